import path from "node:path";
import { z } from "zod";
import { MAX_TIMEOUT_SECONDS, optionValue, reasoningEffort, SANDBOXES } from "../config/values.js";
import { AGENT_NAMES } from "../core/agent-names.js";

const TOPIC_SYNTAX = /^[a-z][a-z0-9]{0,19}-[A-Za-z0-9_]{1,64}-v[1-9][0-9]{0,5}$/;
const TASK_ID_SYNTAX = /^(codex-)?[a-z][a-z0-9]{0,19}-[A-Za-z0-9_]{1,64}-v[1-9][0-9]{0,5}$/;

export const MAX_PROMPT_BYTES = 8 * 1024 * 1024;

/** A string field whose missing/wrong-type errors say what the field is for. */
function text(field: string, what: string) {
  return z.string({
    error: (issue) =>
      issue.input === undefined ? `${field} is required: ${what}` : `${field} must be a string: ${what}`,
  });
}

export const taskIdField = text(
  "task_id",
  "the id codex_dispatch returned, e.g. codex-implement-user_register-v1",
)
  .regex(
    TASK_ID_SYNTAX,
    "task_id looks like codex-<type>-<desc>-v<N> (e.g. codex-implement-user_register-v1); call codex_status without task_id to list tasks",
  )
  .describe(
    "Task id returned by codex / codex_dispatch, e.g. codex-implement-user_register-v1 (the bare topic works too).",
  );

export const agentField = z
  .enum(AGENT_NAMES, { message: `agent must be one of ${AGENT_NAMES.join(", ")}` })
  .describe(
    `The agent CLI that does the work: ${AGENT_NAMES.join(", ")} (default: the repository's .codexmcp.yaml, then the server's default, codex).`,
  );

/** Inputs shared by codex and codex_dispatch (the predecessor's five, then the optional ones). */
export const taskInputShape = {
  prompt: text("prompt", "the instructions for Codex")
    .min(1, "prompt must not be empty: say what Codex should do")
    .refine(
      (p) => Buffer.byteLength(p) <= MAX_PROMPT_BYTES,
      "prompt is larger than 8 MiB; put large context in a file and refer to it",
    )
    .refine((p) => !p.includes("\u0000"), "prompt must not contain NUL characters")
    .describe("The instructions for Codex. Sent byte-exact on stdin."),
  cwd: text("cwd", "the absolute path of the project directory")
    .min(1, "cwd must be an absolute path to the project directory")
    .refine(
      (p) => path.isAbsolute(p),
      "cwd must be an absolute path (e.g. /home/me/project), not a relative one",
    )
    .describe(
      "Absolute path of the project directory. full-access tasks branch a worktree from its git repository.",
    ),
  topic: text("topic", "<type>-<desc>-v<N>, e.g. implement-user_register-v1")
    .regex(
      TOPIC_SYNTAX,
      "topic must look like <type>-<desc>-v<N>, e.g. implement-user_register-v1 (desc: letters, digits, _)",
    )
    .describe(
      "<type>-<desc>-v<N>, e.g. review-auth_module-v1. Names the task (codex-<topic>), the tmux session and, without the version, the worktree and branch agent/<type>-<desc> that all versions share. Increase N for a follow-up run.",
    ),
  sandbox: z
    .enum(SANDBOXES, { message: `sandbox must be one of ${SANDBOXES.join(", ")}` })
    .describe(
      "read-only: runs in cwd, Codex may not write (reviews, questions). full-access: runs unsandboxed in its own git worktree inside tmux. workspace-write: like full-access but inside Codex's workspace-write sandbox.",
    ),
  agent: agentField.optional(),
  session_id: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/,
      "session_id must be a Codex session id as returned in an earlier result",
    )
    .optional()
    .describe(
      "Resume this Codex conversation (session_id from an earlier result); use the topic's next version.",
    ),
  model: optionValue("model").optional().describe("Codex model (default: server setting or Codex's own)."),
  profile: optionValue("profile").optional().describe("Codex profile (default: env CODEX_PROFILE)."),
  reasoning_effort: reasoningEffort
    .optional()
    .describe("Reasoning effort (default: env CODEX_REASONING_EFFORT)."),
  timeout_seconds: z
    .number()
    .int("timeout_seconds must be a whole number of seconds")
    .min(1, "timeout_seconds must be at least 1")
    .max(MAX_TIMEOUT_SECONDS, `timeout_seconds must be at most ${MAX_TIMEOUT_SECONDS} (7 days)`)
    .optional()
    .describe(
      "Wall-clock limit for the task; it ends as timed_out when reached (default CODEXMCP_TASK_TIMEOUT, 4 h).",
    ),
};

const usageSchema = z.record(z.string(), z.unknown()).nullable();

const violationSchema = z.object({
  source: z
    .enum(["event", "snapshot"])
    .describe("event: seen in Codex's events; snapshot: seen by comparing the workspace before and after"),
  kind: z.string(),
  path: z.string().optional(),
  command: z.string().optional(),
  detail: z.string(),
});

export const readonlyAuditSchema = z
  .object({
    mode: z.literal("fallback"),
    verdict: z.enum(["CLEAN", "VIOLATION"]),
    violations_detected: z.number().describe("exact number of findings"),
    violations: z.array(violationSchema).describe("the findings, at most 50"),
    violations_listed: z.number(),
    snapshot: z.object({ kind: z.enum(["git", "walk"]), root: z.string(), complete: z.boolean() }),
    workspace: z.enum(["unchanged", "left as the agent left it", "restored", "restore failed"]),
    restore: z
      .object({
        restored: z.boolean(),
        verified: z.boolean(),
        saved_to: z.string(),
        saved_ref: z.string().optional(),
        how_to_recover: z.string(),
        remaining: z.array(z.string()).optional(),
        errors: z.array(z.string()).optional(),
      })
      .optional(),
    note: z.string(),
  })
  .describe("Read-only fallback mode only: what the audit found and what happened to the workspace");
const statusSchema = z.enum([
  "queued",
  "starting",
  "running",
  "completed",
  "failed",
  "cancelled",
  "timed_out",
]);

const placementShape = {
  worktree_dir: z.string().optional(),
  agent_branch: z.string().optional(),
  base_branch: z.string().nullable().optional(),
  base_commit: z.string().optional(),
  tmux_session: z.string().optional(),
  attach_command: z.string().optional(),
  ran_in_place: z.boolean().optional(),
  note: z.string().optional(),
  port: z.number().optional().describe("the port this task got from the repository's ports range"),
};

export const taskViewShape = {
  success: z.boolean().nullable().describe("true when Codex completed with exit code 0; null while running"),
  task_id: z.string(),
  status: statusSchema,
  session_id: z.string().nullable().describe("Codex session (thread) id; pass it as session_id to continue"),
  result: z.string().nullable().describe("Codex's final message"),
  exit_code: z.number().nullable(),
  elapsed_seconds: z.number(),
  usage: usageSchema,
  cost_usd: z.number().optional().describe("what the run cost, where the agent reports it"),
  agent: z.string().describe("the agent that ran the task"),
  error: z.string().nullable(),
  topic: z.string(),
  sandbox: z.string(),
  cwd: z.string(),
  run_dir: z.string(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  log_file: z.string(),
  task_dir: z.string(),
  ...placementShape,
  diff_stat: z
    .string()
    .optional()
    .describe("git diff --shortstat of the worktree against the base commit, uncommitted work included"),
  commits_ahead: z.number().optional(),
  files_changed: z.number().optional(),
  insertions: z.number().optional(),
  deletions: z.number().optional(),
  readonly_audit: readonlyAuditSchema.optional(),
  last_activity: z.string().optional(),
  idle_seconds: z.number().optional().describe("active tasks: seconds since the agent last printed anything"),
  recent_events: z.array(z.string()).optional(),
  log_tail: z.array(z.string()).optional(),
  previous_runs: z.number().optional(),
  queue_position: z.number().optional().describe("queued tasks: place in the queue (1 = next)"),
  hint: z.string().optional(),
};

export const dispatchViewShape = {
  task_id: z.string(),
  status: statusSchema,
  topic: z.string(),
  agent: z.string(),
  sandbox: z.string(),
  started_at: z.string(),
  log_file: z.string(),
  task_dir: z.string(),
  run_dir: z.string(),
  ...placementShape,
  resume_session_id: z.string().optional(),
  cursor: z.string().optional().describe("pass to codex_wait to be told when this (or any later) task ends"),
  queue_position: z.number().optional().describe("when status is queued: place in the queue (1 = next)"),
  hint: z.string(),
};

/** A short line per task still running (codex_wait). */
export const runningItemShape = {
  task_id: z.string(),
  status: z.string(),
  elapsed_seconds: z.number(),
  idle_seconds: z.number().optional(),
  last_activity: z.string().optional(),
};
