import path from "node:path";
import { z } from "zod";
import { MAX_TIMEOUT_SECONDS, optionValue, reasoningEffort, SANDBOXES } from "../config/values.js";
import { AGENT_NAMES } from "../core/agent-names.js";

/*
 * Every input field describes itself for the model (clients show descriptions and the input
 * schema, not output schemas). Output schemas name the fields a program branches on and let the
 * rest through: they are part of every tools/list, which must stay small (≤ 16 KB in all).
 */

/** The syntax of a topic; a description may be written with hyphens (read as underscores). */
const TOPIC_SYNTAX = /^[a-z][a-z0-9]{0,19}-[A-Za-z0-9_-]{1,64}-v[1-9][0-9]{0,5}$/;
const TASK_ID_SYNTAX = /^(codex-)?[a-z][a-z0-9]{0,19}-[A-Za-z0-9_-]{1,64}-v[1-9][0-9]{0,5}$/;

export const MAX_PROMPT_BYTES = 8 * 1024 * 1024;

/** A string field whose missing/wrong-type errors say what the field is for. */
function text(field: string, what: string) {
  return z.string({
    error: (issue) =>
      issue.input === undefined ? `${field} is required: ${what}` : `${field} must be a string: ${what}`,
  });
}

// refine, not regex: the rule is in the words; a pattern in every tool's schema costs bytes.
export const taskIdField = text("task_id", "the task_id codex_dispatch returned")
  .refine(
    (id) => TASK_ID_SYNTAX.test(id),
    "task_id looks like codex-<type>-<desc>-v<N> (e.g. codex-implement-user_register-v1); the codex_status tool of this server without task_id lists the tasks",
  )
  .describe("codex-<topic>, as codex_dispatch returned it (the topic alone works too).");

export const agentField = z
  .enum(AGENT_NAMES, { message: `agent must be one of ${AGENT_NAMES.join(", ")}` })
  .describe("The agent CLI (default codex, or the repository's .codexmcp.yaml).");

/** The same check without the pattern and lengths in the JSON schema (bytes in every tools/list). */
function wordless(schema: z.ZodString) {
  return z.string().superRefine((value, ctx) => {
    const r = schema.safeParse(value);
    if (!r.success)
      for (const issue of r.error.issues) ctx.addIssue({ code: "custom", message: issue.message });
  });
}

/** The topic rule for this server's allowed types: in the description the model reads. */
export function topicDescription(types: readonly string[]): string {
  return `<type>-<desc>-v<N>, e.g. ${types.includes("implement") ? "implement" : types[0]}-login_page-v1. type: ${types.join(", ")} (or a repository's .codexmcp.yaml topic_types); desc: letters, digits, _ (- reads as _); N: 1, then 2, 3… (follow-ups share worktree and branch agent/<type>-<desc>).`;
}

export function promptField() {
  return text("prompt", "the instructions for the agent")
    .min(1, "prompt must not be empty: say what the agent should do")
    .refine(
      (p) => Buffer.byteLength(p) <= MAX_PROMPT_BYTES,
      "prompt is larger than 8 MiB; put large context in a file and refer to it",
    )
    .refine((p) => !p.includes("\u0000"), "prompt must not contain NUL characters")
    .describe("The instructions, sent byte-exact on stdin.");
}

function hostField(hosts: readonly string[]) {
  return z
    .string()
    .optional()
    .describe(`"local" (default), "auto", or ${hosts.map((h) => `"${h}"`).join(", ")}.`);
}

/** The host input as the tools pass it on (present only on a server with hosts). */
export function hostInput(host: unknown): string | undefined {
  return typeof host === "string" ? host : undefined;
}

/** Inputs shared by codex and codex_dispatch (the predecessor's five, then the optional ones). */
export function taskInputShape(topicTypes: readonly string[], hosts: readonly string[] = []) {
  return {
    prompt: promptField(),
    cwd: text("cwd", "the absolute path of the project directory")
      .min(1, "cwd must be an absolute path to the project directory")
      .refine(
        (p) => path.isAbsolute(p),
        "cwd must be an absolute path (e.g. /home/me/project), not a relative one",
      )
      .describe("Absolute path of the project directory."),
    topic: text("topic", topicDescription(topicTypes))
      .refine((t) => TOPIC_SYNTAX.test(t), `topic must look like ${topicDescription(topicTypes)}`)
      .describe(topicDescription(topicTypes)),
    sandbox: z
      .enum(SANDBOXES, { message: `sandbox must be one of ${SANDBOXES.join(", ")}` })
      .describe(
        "read-only: in cwd, no writes (reviews, questions). full-access: its own git worktree, in tmux. workspace-write: the same, in the agent's sandbox.",
      ),
    agent: agentField.optional(),
    session_id: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/,
        "session_id must be a session id as returned in an earlier result",
      )
      .optional()
      .describe("Continue this conversation (an earlier result's session_id), as the topic's next version."),
    model: wordless(optionValue("model"))
      .optional()
      .describe("Model (default: the server's or the agent's)."),
    profile: wordless(optionValue("profile")).optional().describe("Codex profile (default CODEX_PROFILE)."),
    reasoning_effort: reasoningEffort.optional().describe("Default CODEX_REASONING_EFFORT."),
    timeout_seconds: z
      .number()
      .int("timeout_seconds must be a whole number of seconds")
      .min(1, "timeout_seconds must be at least 1")
      .max(MAX_TIMEOUT_SECONDS, `timeout_seconds must be at most ${MAX_TIMEOUT_SECONDS} (7 days)`)
      .optional()
      .describe("Wall-clock limit; the task ends timed_out (default 4 h)."),
    // Only on a server with hosts: tools/list stays small (16 KB) for everyone else.
    ...(hosts.length > 0 ? { host: hostField(hosts) } : ({} as { host?: ReturnType<typeof hostField> })),
  };
}

/** queued, starting, running, completed, failed, cancelled, timed_out (not an enum: bytes). */
const statusSchema = z.string();

/** What codex, codex_status, codex_cancel and codex_wait's `task` return (the rest passes through). */
export const taskViewSchema = z.looseObject({
  success: z.boolean().nullable(),
  task_id: z.string(),
  status: statusSchema,
  session_id: z.string().nullable(),
  result: z.string().nullable(),
  error: z.string().nullable(),
});

/** What codex_dispatch and codex_reply return. */
export const dispatchViewSchema = z.looseObject({
  task_id: z.string(),
  status: statusSchema,
  cursor: z.string().optional(),
  hint: z.string(),
});
