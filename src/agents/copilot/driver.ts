import path from "node:path";
import type { AgentErrorCause } from "../../core/agent-events.js";
import type { AgentDriver, AgentRun, RunSpec } from "../agent.js";
import { explainModelFailure } from "../error-cause.js";
import { UUID } from "../session-ids.js";
import { CopilotStreamReader } from "./stream.js";
import { readCopilotUsageEvents } from "./usage.js";

/** Where a run's usage goes: Copilot reports it only in a file, never in its stream. */
export const COPILOT_USAGE_FILE = "copilot-usage.json";

/**
 * GitHub Copilot CLI (`copilot --output-format json -C DIR --no-ask-user`). Full access is
 * `--allow-all-tools --allow-all-paths`; without them, every tool that needs approval (shell, writes) is refused
 * without a prompt, and shell and write are denied outright besides: that is read-only.
 */
export const copilotDriver: AgentDriver = {
  name: "copilot",
  label: "Copilot CLI",
  npmPackage: "@github/copilot",
  readOnly: "deny-tools",
  workspaceWrite: false,
  presetSessionId: true,
  isSessionId: (id) => UUID.test(id),
  buildRun(spec: RunSpec): AgentRun {
    const readOnly = spec.sandbox === "read-only" && !spec.auditedReadOnly;
    const args = ["--output-format", "json", "-C", spec.runDir, "--no-ask-user", "--no-auto-update"];
    args.push(
      "--disable-client-telemetry",
      "--usage-output-file",
      path.join(spec.taskDir, COPILOT_USAGE_FILE),
    );
    if (readOnly) args.push("--deny-tool=shell", "--deny-tool=write");
    // Full access is unsandboxed, as Codex's danger-full-access: any path, not only the worktree.
    else args.push("--allow-all-tools", "--allow-all-paths");
    if (spec.model) args.push("--model", spec.model);
    if (spec.resumeSessionId) args.push("--resume", spec.resumeSessionId);
    else if (spec.newSessionId) args.push("--session-id", spec.newSessionId);
    return { args, env: {}, mode: readOnly ? "deny shell and write" : "allow-all-tools" };
  },
  streamReader: () => new CopilotStreamReader(),
  afterExit: (taskDir) => readCopilotUsageEvents(path.join(taskDir, COPILOT_USAGE_FILE)),
  credentialSources: () => ({
    vars: [
      "COPILOT_GITHUB_TOKEN",
      "GH_TOKEN",
      "GITHUB_TOKEN",
      "COPILOT_PROVIDER_API_KEY",
      "COPILOT_PROVIDER_BEARER_TOKEN",
    ],
    files: [],
    unseen: "a /login kept in the system keychain",
    howTo:
      "run `copilot` and /login, or set COPILOT_GITHUB_TOKEN (or a provider key for bring-your-own-key) where the server starts",
  }),
  explainFailure: (cause: AgentErrorCause, message: string) =>
    explainModelFailure(
      "Copilot CLI",
      "run `copilot` and /login, or set COPILOT_GITHUB_TOKEN (or a provider key for bring-your-own-key)",
      cause,
      message,
    ),
};
