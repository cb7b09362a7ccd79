import { isTerminal } from "../../core/types.js";
import type { TaskManager } from "../../tasks/manager.js";
import { readMergeRecord } from "../../tasks/merge-record.js";
import { DIFF_INPUT, runDiff } from "../../tools/diff.js";
import { EVENTS_INPUT, runEvents } from "../../tools/events.js";
import { parseToolInput } from "../../tools/strict.js";
import { readHead } from "../../util/tail.js";
import { remoteHostOf } from "./rows.js";

/** The prompt shown on a task page at most (the file itself is never cut). */
const PROMPT_BYTES = 64 * 1024;

/** A task page's facts: codex_status's view, the prompt, how it was merged. */
export async function taskDetail(manager: TaskManager, taskId: string) {
  const obs = await manager.observe(taskId);
  const id = obs.meta.task_id;
  const view = await manager.view(obs, true);
  const promptFile = await manager.store.readablePath(id, "prompt");
  const prompt = await readHead(promptFile, PROMPT_BYTES + 1).catch(() => "");
  const merged = await readMergeRecord(manager, id).catch(() => undefined);
  const host = remoteHostOf(obs.meta);
  return {
    view,
    ended: isTerminal(obs.status),
    prompt: prompt.slice(0, PROMPT_BYTES),
    prompt_truncated: Buffer.byteLength(prompt) > PROMPT_BYTES,
    repo: obs.meta.git?.repo_root ?? obs.meta.cwd,
    ...(host ? { host } : {}),
    ...(merged ? { merged } : {}),
    ...(obs.meta.git
      ? {}
      : { no_diff: "This task has no worktree (read-only, or it ran in place outside git)." }),
  };
}

function numberParam(value: string | null): number | string | undefined {
  if (value === null || value === "") return undefined;
  return /^\d{1,15}$/.test(value) ? Number(value) : value;
}

/** A page of codex_events, with the tool's own input checks (query strings as its fields). */
export function taskEvents(manager: TaskManager, taskId: string, q: URLSearchParams) {
  const args: Record<string, unknown> = { task_id: taskId };
  const cursor = numberParam(q.get("cursor"));
  if (cursor !== undefined) args.cursor = cursor;
  const limit = numberParam(q.get("limit"));
  if (limit !== undefined) args.limit = limit;
  const view = q.get("view");
  if (view) args.view = view;
  const types = q.getAll("type");
  if (types.length > 0) args.types = types;
  const maxBytes = numberParam(q.get("max_bytes"));
  if (maxBytes !== undefined) args.max_bytes = maxBytes;
  return runEvents(manager, parseToolInput("codex_events", EVENTS_INPUT, args));
}

/** codex_diff, with the tool's own input checks. */
export function taskDiff(manager: TaskManager, taskId: string, q: URLSearchParams) {
  const args: Record<string, unknown> = { task_id: taskId };
  const p = q.get("path");
  if (p) args.path = p;
  const maxBytes = numberParam(q.get("max_bytes"));
  if (maxBytes !== undefined) args.max_bytes = maxBytes;
  return runDiff(manager, parseToolInput("codex_diff", DIFF_INPUT, args));
}
