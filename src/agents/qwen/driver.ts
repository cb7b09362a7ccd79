import path from "node:path";
import type { AgentErrorCause } from "../../core/agent-events.js";
import type { AgentDriver } from "../agent.js";
import { homeOf } from "../credential-paths.js";
import { explainModelFailure } from "../error-cause.js";
import { approvalModeRun } from "../gemini/driver.js";
import { UUID } from "../session-ids.js";
import { QwenStreamReader } from "./stream.js";

/**
 * Qwen Code (`qwen -o stream-json`, a Gemini CLI fork with Claude Code's stream). Full access is
 * `--approval-mode yolo`; read-only is `default`, which refuses the shell and edits headless.
 */
export const qwenDriver: AgentDriver = {
  name: "qwen",
  label: "Qwen Code",
  npmPackage: "@qwen-code/qwen-code",
  readOnly: "deny-tools",
  workspaceWrite: false,
  presetSessionId: true,
  isSessionId: (id) => UUID.test(id),
  buildRun: approvalModeRun,
  streamReader: () => new QwenStreamReader(),
  credentialSources: (env) => ({
    vars: ["OPENAI_API_KEY", "DASHSCOPE_API_KEY", "BAILIAN_CODING_PLAN_API_KEY"],
    files: [path.join(homeOf(env), ".qwen", "oauth_creds.json")],
    howTo:
      "run `qwen` once and authenticate, or set OPENAI_API_KEY (and OPENAI_BASE_URL) where the server starts",
  }),
  explainFailure: (cause: AgentErrorCause, message: string) =>
    explainModelFailure(
      "Qwen Code",
      "run `qwen` once and authenticate, or set OPENAI_API_KEY (and OPENAI_BASE_URL) for an OpenAI-compatible provider",
      cause,
      message,
    ),
};
