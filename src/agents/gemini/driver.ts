import path from "node:path";
import type { AgentErrorCause } from "../../core/agent-events.js";
import type { AgentDriver, AgentRun, RunSpec } from "../agent.js";
import { homeOf } from "../credential-paths.js";
import { explainModelFailure } from "../error-cause.js";
import { UUID } from "../session-ids.js";
import { GeminiStreamReader } from "./stream.js";

/**
 * A run of Gemini CLI, or of a fork that kept its flags (Qwen Code): `--approval-mode yolo` for
 * full access, `default` (no shell or edit tools headless) for read-only.
 */
export function approvalModeRun(spec: RunSpec): AgentRun {
  const readOnly = spec.sandbox === "read-only" && !spec.auditedReadOnly;
  const mode = readOnly ? "default" : "yolo";
  const args = ["-o", "stream-json", "--approval-mode", mode];
  if (spec.model) args.push("-m", spec.model);
  if (spec.resumeSessionId) args.push("--resume", spec.resumeSessionId);
  else if (spec.newSessionId) args.push("--session-id", spec.newSessionId);
  return { args, env: {}, mode };
}

/**
 * Gemini CLI (`gemini -o stream-json`). Full access is `--approval-mode yolo`; read-only is
 * `default`, in which a headless run has no shell or edit tools at all. No workspace-write.
 */
export const geminiDriver: AgentDriver = {
  name: "gemini",
  label: "Gemini CLI",
  npmPackage: "@google/gemini-cli",
  readOnly: "deny-tools",
  workspaceWrite: false,
  presetSessionId: true,
  isSessionId: (id) => UUID.test(id),
  buildRun: approvalModeRun,
  streamReader: () => new GeminiStreamReader(),
  credentialSources: (env) => ({
    vars: ["GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS"],
    files: [path.join(homeOf(env), ".gemini", "oauth_creds.json")],
    howTo:
      "run `gemini` once and sign in, or set GEMINI_API_KEY with security.auth.selectedType in ~/.gemini/settings.json",
  }),
  explainFailure: (cause: AgentErrorCause, message: string) =>
    explainModelFailure(
      "Gemini CLI",
      "run `gemini` once and sign in, or set GEMINI_API_KEY with security.auth.selectedType in ~/.gemini/settings.json",
      cause,
      message,
    ),
};
