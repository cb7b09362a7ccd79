import { z } from "zod";
import { ACTIVE_STATUSES, TERMINAL_STATUSES } from "./types.js";

/**
 * The shape of every JSON file in the task store, checked on every read (`validated.ts`). The
 * schemas insist on what the code relies on and let unknown fields through, so files written by
 * an older or newer codexmcp keep working; a file that fails is reported as damaged, never
 * thrown at the caller as "Unexpected end of JSON input".
 */
const status = z.enum([...ACTIVE_STATUSES, ...TERMINAL_STATUSES]);
const maybeString = z.string().nullable();

export const gitPlacementSchema = z.looseObject({
  repo_root: z.string().min(1),
  worktree_dir: z.string().min(1),
  agent_branch: z.string().min(1),
  base_branch: maybeString,
  base_commit: z.string().min(1),
});

export const metaSchema = z.looseObject({
  schema: z.literal(1),
  task_id: z.string().min(1),
  topic: z.string().min(1),
  topic_type: z.string(),
  topic_stem: z.string().min(1),
  sandbox: z.string().min(1),
  agent: z.string().min(1).optional(),
  agent_mode: z.string().optional(),
  agent_bin: z.string().optional(),
  agent_args: z.array(z.string()).optional(),
  agent_input: z.string().optional(),
  agent_env: z.record(z.string(), z.string()).optional(),
  preset_session_id: maybeString.optional(),
  codex_sandbox: z.string().optional(),
  readonly_fallback: z.boolean().optional(),
  readonly_fallback_restore: z.boolean().optional(),
  codex_input: z.string().optional(),
  cwd: z.string().min(1),
  run_dir: z.string().min(1),
  host: z.enum(["tmux", "process", "ssh"]),
  tmux_session: maybeString,
  remote: z
    .looseObject({
      host: z.string().min(1),
      ssh: z.string().min(1),
      ssh_options: z.array(z.string()),
      codexmcp: z.string().min(1),
      dispatched_at: z.string().nullable(),
    })
    .optional(),
  tmux_socket: maybeString.optional(),
  git: gitPlacementSchema.nullable(),
  ran_in_place: z.boolean().optional(),
  note: maybeString.optional(),
  resume_session_id: maybeString.optional(),
  model: maybeString.optional(),
  profile: maybeString.optional(),
  reasoning_effort: maybeString.optional(),
  timeout_seconds: z.number().positive(),
  codex_bin: z.string().optional(),
  codex_args: z.array(z.string()).optional(),
  created_at: z.string().min(1),
  setup: z.array(z.string()).optional(),
  copied_files: z.array(z.string()).optional(),
  env_names: z.array(z.string()).optional(),
  port_range: z.looseObject({ from: z.number(), to: z.number(), env: z.string() }).nullable().optional(),
  port: z.number().nullable().optional(),
  tmux_bin: z.string().optional(),
  max_parallel: z.number().optional(),
  queued_at: maybeString.optional(),
  starting_at: maybeString.optional(),
  process_tag: z.string().optional(),
  status,
  started_at: maybeString,
  finished_at: maybeString,
});

export const resultSchema = z.looseObject({
  task_id: z.string().min(1),
  status: z.enum(TERMINAL_STATUSES),
  success: z.boolean(),
  session_id: maybeString,
  result: maybeString,
  exit_code: z.number().nullable(),
  signal: maybeString,
  error: maybeString,
  elapsed_seconds: z.number(),
  usage: z.looseObject({}).nullable(),
  started_at: maybeString,
  finished_at: z.string().min(1),
  finalized_by: z.enum(["runner", "cancel", "recovery"]),
});

export const runnerSchema = z.looseObject({
  pid: z.number().int().positive(),
  start: z.string(),
  host: z.enum(["tmux", "process"]),
  launched_at: z.string(),
  ready_at: z.string().optional(),
  codex_pid: z.number().int().optional(),
});

export const completionSchema = z.looseObject({
  task_id: z.string().min(1),
  status: z.string().min(1),
  finished_at: z.string(),
  created_at: z.string(),
});

export const envFileSchema = z.record(z.string(), z.string());

/** The schema of each store file kind that is read back (see validated.ts). */
export const STORE_SCHEMAS = {
  meta: metaSchema,
  result: resultSchema,
  runner: runnerSchema,
  completion: completionSchema,
  env: envFileSchema,
} as const;
