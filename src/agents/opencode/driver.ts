import path from "node:path";
import type { AgentErrorCause } from "../../core/agent-events.js";
import type { AgentDriver, AgentRun, RunSpec } from "../agent.js";
import { xdgDir } from "../credential-paths.js";
import { explainModelFailure } from "../error-cause.js";
import { OpencodeStreamReader } from "./stream.js";

/** What a read-only opencode run may do: `deny` removes the tool altogether. */
const READ_ONLY_PERMISSION = { edit: "deny", bash: "deny", webfetch: "deny" };

/**
 * opencode (`opencode run --format json --dir DIR`). Its permissions come from configuration:
 * the run's `permission` is merged into OPENCODE_CONFIG_CONTENT (which opencode applies over the
 * user's config files) when the runner starts, keeping whatever the user set there. The session
 * id cannot be chosen up front.
 */
export const opencodeDriver: AgentDriver = {
  name: "opencode",
  label: "opencode",
  npmPackage: "opencode-ai",
  readOnly: "deny-tools",
  workspaceWrite: false,
  presetSessionId: false,
  isSessionId: (id) => /^ses_[A-Za-z0-9]+$/.test(id),
  buildRun(spec: RunSpec): AgentRun {
    const readOnly = spec.sandbox === "read-only" && !spec.auditedReadOnly;
    const args = ["run", "--format", "json", "--dir", spec.runDir];
    if (spec.model) args.push("-m", spec.model);
    if (spec.resumeSessionId) args.push("--session", spec.resumeSessionId);
    return { args, env: {}, mode: readOnly ? "permission: edit/bash/webfetch deny" : "permission: allow" };
  },
  runEnv(env, run) {
    let config: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(env.OPENCODE_CONFIG_CONTENT ?? "{}") as unknown;
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
        config = parsed as Record<string, unknown>;
    } catch {
      // not JSON: opencode would reject it too; replace it with ours
    }
    return {
      OPENCODE_CONFIG_CONTENT: JSON.stringify({
        ...config,
        permission: run.readOnly ? READ_ONLY_PERMISSION : "allow",
      }),
    };
  },
  streamReader: () => new OpencodeStreamReader(),
  credentialSources: (env) => ({
    vars: [
      "OPENCODE_AUTH_CONTENT",
      "ANTHROPIC_API_KEY",
      "OPENAI_API_KEY",
      "GOOGLE_GENERATIVE_AI_API_KEY",
      "OPENROUTER_API_KEY",
    ],
    files: [path.join(xdgDir(env, "DATA"), "opencode", "auth.json")],
    unseen: "a key in opencode's own config (a provider's options.apiKey)",
    howTo:
      "run `opencode auth login` for its provider, or set that provider's API key where the server starts",
  }),
  explainFailure: (cause: AgentErrorCause, message: string) =>
    explainModelFailure("opencode", "run `opencode auth login` for its provider", cause, message),
};
