import path from "node:path";
import type { AgentErrorCause } from "../../core/agent-events.js";
import type { AgentDriver, AgentRun, RunSpec } from "../agent.js";
import { homeOf } from "../credential-paths.js";
import { explainModelFailure } from "../error-cause.js";
import { UUID } from "../session-ids.js";
import { ClaudeStreamReader } from "./stream.js";

/** Tools that change files or run programs: what a read-only Claude Code run may not use. */
export const CLAUDE_WRITE_TOOLS = [
  "Bash",
  "Edit",
  "MultiEdit",
  "Write",
  "NotebookEdit",
  "KillShell",
  "BashOutput",
];

/**
 * Claude Code (`claude -p --output-format stream-json --verbose`). Full access is
 * `bypassPermissions`; read-only is `dontAsk` (anything not allowed is refused without a
 * prompt, never hangs) with the writing and shell tools disallowed outright. It has no sandbox
 * that confines writes to a directory, so no workspace-write.
 */
export const claudeDriver: AgentDriver = {
  name: "claude",
  label: "Claude Code",
  npmPackage: "@anthropic-ai/claude-code",
  readOnly: "deny-tools",
  workspaceWrite: false,
  presetSessionId: true,
  isSessionId: (id) => UUID.test(id),
  buildRun(spec: RunSpec): AgentRun {
    const readOnly = spec.sandbox === "read-only" && !spec.auditedReadOnly;
    const mode = readOnly ? "dontAsk" : "bypassPermissions";
    // The worker never loads MCP servers from the user's configuration: one of them may be
    // codexmcp itself, and a worker must not dispatch workers.
    const args = [
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--permission-mode",
      mode,
      "--strict-mcp-config",
    ];
    if (readOnly) args.push("--disallowedTools", ...CLAUDE_WRITE_TOOLS);
    if (spec.model) args.push("--model", spec.model);
    if (spec.resumeSessionId) args.push("--resume", spec.resumeSessionId);
    else if (spec.newSessionId) args.push("--session-id", spec.newSessionId);
    const env: Record<string, string> = { DISABLE_AUTOUPDATER: "1" };
    // Claude Code refuses bypassPermissions as root unless told it runs isolated; a task's
    // worktree is that isolation.
    if (mode === "bypassPermissions" && process.getuid?.() === 0) env.IS_SANDBOX = "1";
    return { args, env, mode };
  },
  streamReader: () => new ClaudeStreamReader(),
  credentialSources: (env) => ({
    vars: [
      "ANTHROPIC_API_KEY",
      "ANTHROPIC_AUTH_TOKEN",
      "CLAUDE_CODE_OAUTH_TOKEN",
      "CLAUDE_CODE_USE_BEDROCK",
      "CLAUDE_CODE_USE_VERTEX",
      "CLAUDE_CODE_USE_FOUNDRY",
    ],
    // A login on Linux; on macOS Claude Code keeps it in the Keychain.
    files: [
      path.join(env.CLAUDE_CONFIG_DIR?.trim() || path.join(homeOf(env), ".claude"), ".credentials.json"),
    ],
    unseen: process.platform === "darwin" ? "a login in the macOS Keychain" : undefined,
    howTo: "run `claude` once and log in, or set ANTHROPIC_API_KEY where the server starts",
  }),
  explainFailure: (cause: AgentErrorCause, message: string) =>
    explainModelFailure(
      "Claude Code",
      "run `claude` once and log in, or set ANTHROPIC_API_KEY",
      cause,
      message,
    ),
};
