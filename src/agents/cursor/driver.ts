import type { AgentErrorCause } from "../../core/agent-events.js";
import type { AgentDriver, AgentRun, RunSpec } from "../agent.js";
import { explainModelFailure } from "../error-cause.js";
import { UUID } from "../session-ids.js";
import { CursorStreamReader } from "./stream.js";

/**
 * Cursor's agent CLI (`cursor-agent -p --output-format stream-json --workspace DIR`), built from
 * its documentation: it is not on npm and runs only against Cursor's own backend, so it is not
 * verified against the real binary. Full access is `--force`; read-only is `--mode ask`.
 */
export const cursorDriver: AgentDriver = {
  name: "cursor",
  label: "Cursor Agent",
  npmPackage: null,
  readOnly: "deny-tools",
  workspaceWrite: false,
  presetSessionId: false,
  isSessionId: (id) => UUID.test(id),
  buildRun(spec: RunSpec): AgentRun {
    const readOnly = spec.sandbox === "read-only" && !spec.auditedReadOnly;
    const args = ["-p", "--output-format", "stream-json", "--trust", "--workspace", spec.runDir];
    args.push(...(readOnly ? ["--mode", "ask"] : ["--force"]));
    if (spec.model) args.push("--model", spec.model);
    if (spec.resumeSessionId) args.push("--resume", spec.resumeSessionId);
    return { args, env: {}, mode: readOnly ? "ask" : "force" };
  },
  streamReader: () => new CursorStreamReader(),
  credentialSources: () => ({
    vars: ["CURSOR_API_KEY"],
    files: [],
    unseen: "a `cursor-agent login` (where the real CLI keeps it is not verified)",
    howTo: "run `cursor-agent login`, or set CURSOR_API_KEY where the server starts",
  }),
  explainFailure: (cause: AgentErrorCause, message: string) =>
    explainModelFailure("Cursor Agent", "run `cursor-agent login`, or set CURSOR_API_KEY", cause, message),
};
