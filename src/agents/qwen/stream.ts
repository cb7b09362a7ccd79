import { type ClaudeStyleOptions, ClaudeStyleStreamReader } from "../claude/stream.js";

/**
 * Qwen Code's `-o stream-json` (0.24.4): Claude Code's shape with Qwen's tool names. Differences
 * the shared reader handles: a failed run ends in `result` with `subtype: "error_during_execution"`
 * and `error.message`, after an ordinary assistant message that repeats it ("[API Error: 400 …]",
 * dropped as the error's echo); a failed shell call's tool_result is "Command: …\nOutput: …\nExit
 * Code: N"; `result.usage` has `total_tokens` and covers the whole session (a resume reports the
 * first run's tokens too), so it is marked cumulative; there is no cost. In `plan`/`default` approval modes
 * headless Qwen removes the shell tool, so nothing shows as denied.
 */
const QWEN_OPTIONS: ClaudeStyleOptions = {
  shellTools: new Set(["run_shell_command"]),
  fileTools: new Map([
    ["write_file", "update"],
    ["edit", "update"],
  ]),
  sessionUsage: true,
};

export class QwenStreamReader extends ClaudeStyleStreamReader {
  constructor() {
    super(QWEN_OPTIONS);
  }
}
