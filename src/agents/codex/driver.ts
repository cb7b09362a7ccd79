import type { AgentErrorCause } from "../../core/agent-events.js";
import type { AgentDriver, AgentRun, RunSpec } from "../agent.js";
import { explainModelFailure } from "../error-cause.js";
import { UUID } from "../session-ids.js";
import { buildCodexArgs, type CodexSandboxMode } from "./argv.js";
import { CODEX_EVENT_TYPES, CODEX_ITEM_TYPES } from "./events.js";
import { CodexStreamReader } from "./stream.js";

function codexMode(spec: RunSpec): CodexSandboxMode {
  if (spec.sandbox === "read-only") return spec.auditedReadOnly ? "danger-full-access" : "read-only";
  return spec.sandbox === "workspace-write" ? "workspace-write" : "danger-full-access";
}

/** The OpenAI Codex CLI: `codex exec --json`, its own sandbox for read-only and workspace-write. */
export const codexDriver: AgentDriver = {
  name: "codex",
  label: "Codex",
  npmPackage: "@openai/codex",
  readOnly: "sandbox",
  workspaceWrite: true,
  presetSessionId: false,
  isSessionId: (id) => UUID.test(id),
  buildRun(spec: RunSpec): AgentRun {
    const mode = codexMode(spec);
    return {
      mode,
      env: {},
      args: buildCodexArgs({
        runDir: spec.runDir,
        sandbox: mode,
        model: spec.model,
        profile: spec.profile,
        reasoningEffort: spec.reasoningEffort,
        resumeSessionId: spec.resumeSessionId,
        writableDirs: spec.writableDirs,
      }),
    };
  },
  // Loaded when a run starts only: the TOML parser is not worth every server's start-up.
  prepareArgs: async (args, ctx) => (await import("./mcp-servers.js")).isolateMcpServers(args, ctx),
  preload: () => import("./mcp-servers.js"),
  rawEventTypes: { types: CODEX_EVENT_TYPES, subtypes: CODEX_ITEM_TYPES },
  streamReader: () => new CodexStreamReader(),
  explainFailure: (cause: AgentErrorCause, message: string) =>
    explainModelFailure("Codex", "run `codex login` (or set the provider's API key)", cause, message),
};
