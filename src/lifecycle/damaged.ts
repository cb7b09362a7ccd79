import { promises as fsp } from "node:fs";
import { parse } from "jsonc-parser";
import { loadDriver } from "../agents/registry.js";
import { summarizeEventsFile } from "../agents/stream-file.js";
import type { Layout } from "../core/layout.js";
import { metaSchema } from "../core/schemas.js";
import { parseTaskId } from "../core/topic.js";
import type { GitPlacement, TaskMeta, TaskResult } from "../core/types.js";
import { pathExists } from "../util/files.js";

/** What is wrong with a task's files, and what of it can still be had. */
export interface Damage {
  readonly files: readonly { readonly file: string; readonly problem: string }[];
  readonly recoverable: readonly string[];
}

/**
 * The fields of a damaged meta.json that can be trusted: a tolerant parse of what is there,
 * minus the last field (a cut file may end inside it), each field checked on its own.
 */
export function salvageMeta(text: string): Partial<Record<keyof TaskMeta, unknown>> {
  const parsed = parse(text, [], { allowTrailingComma: true }) as unknown;
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return {};
  const entries = Object.entries(parsed as Record<string, unknown>).slice(0, -1);
  const shape = metaSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) if (shape[key]?.safeParse(value).success) out[key] = value;
  return out as Partial<Record<keyof TaskMeta, unknown>>;
}

function pick<T>(value: unknown, fallback: T): T {
  return value === undefined ? fallback : (value as T);
}

/** A stand-in meta.json for listings, from the task id and whatever could be salvaged. */
export async function placeholderMeta(layout: Layout, taskId: string): Promise<TaskMeta> {
  const file = layout.file(taskId, "meta");
  const text = await fsp.readFile(file, "utf8").catch(() => "");
  const s = salvageMeta(text);
  const t = parseTaskId(taskId);
  const dirTime = await fsp
    .stat(layout.taskDir(taskId))
    .then((st) => st.mtime.toISOString())
    .catch(() => new Date(0).toISOString());
  const cwd = pick(s.cwd, "");
  return {
    schema: 1,
    task_id: taskId,
    topic: t.topic,
    topic_type: t.type,
    topic_stem: t.stem,
    sandbox: pick(s.sandbox, "unknown" as TaskMeta["sandbox"]),
    agent: pick(s.agent, "codex"),
    agent_mode: pick(s.agent_mode, ""),
    readonly_fallback: pick(s.readonly_fallback, false),
    cwd,
    run_dir: pick(s.run_dir, cwd),
    host: pick(s.host, "process" as const),
    tmux_session: pick(s.tmux_session, null),
    tmux_socket: pick(s.tmux_socket, null),
    git: pick<GitPlacement | null>(s.git, null),
    ran_in_place: pick(s.ran_in_place, false),
    note: null,
    resume_session_id: pick(s.resume_session_id, null),
    model: pick(s.model, null),
    profile: pick(s.profile, null),
    reasoning_effort: pick(s.reasoning_effort, null),
    timeout_seconds: pick(s.timeout_seconds, 1),
    agent_bin: pick(s.agent_bin, ""),
    agent_args: pick(s.agent_args, []),
    created_at: pick(s.created_at, dirTime),
    ...(s.process_tag !== undefined ? { process_tag: s.process_tag as string } : {}),
    status: "damaged",
    started_at: pick(s.started_at, null),
    finished_at: pick(s.finished_at, null),
  };
}

/** The things of a damaged task a person can still use, in words. */
export async function recoverable(
  layout: Layout,
  taskId: string,
  meta: TaskMeta,
  result: TaskResult | undefined,
): Promise<string[]> {
  const out: string[] = [];
  const prompt = await fsp.stat(layout.file(taskId, "prompt")).catch(() => null);
  if (prompt) out.push(`the prompt: ${layout.file(taskId, "prompt")} (${prompt.size} bytes)`);
  if (result) {
    out.push(`the outcome: ${result.status}${result.session_id ? `, session ${result.session_id}` : ""}`);
  } else {
    const driver = await loadDriver(meta.agent).catch(() => undefined);
    const summary = driver
      ? await summarizeEventsFile(driver, layout.file(taskId, "events")).catch(() => undefined)
      : undefined;
    if (summary?.sessionId)
      out.push(`the Codex session ${summary.sessionId} (pass it as session_id to continue)`);
    if (summary?.result) out.push(`Codex's last message, in ${layout.file(taskId, "events")}`);
  }
  if (await pathExists(layout.file(taskId, "log"))) out.push(`the transcript: ${layout.file(taskId, "log")}`);
  if (meta.git && (await pathExists(meta.git.worktree_dir)))
    out.push(`the worktree ${meta.git.worktree_dir} on branch ${meta.git.agent_branch}, untouched`);
  return out;
}
