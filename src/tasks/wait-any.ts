import { formatCursor, type JournalEntry, journalSize, parseCursor, readJournal } from "../core/journal.js";
import { parseTaskId } from "../core/topic.js";
import { isTerminal } from "../core/types.js";
import { UserError } from "../util/errors.js";
import type { TaskManager } from "./manager.js";
import type { Observation } from "./observe.js";
import { waitFor } from "./waiter.js";

export interface WaitRequest {
  /** Wait for these tasks; none = any task. */
  readonly taskIds?: readonly string[] | undefined;
  /** From a previous codex_wait or codex_dispatch; completions after it count. */
  readonly cursor?: string | undefined;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

export type WaitOutcome =
  | {
      readonly kind: "completion";
      readonly entry: JournalEntry;
      readonly obs: Observation;
      readonly cursor: string;
      readonly running: Observation[];
    }
  | { readonly kind: "timeout"; readonly cursor: string; readonly running: Observation[] }
  | { readonly kind: "idle"; readonly cursor: string };

/**
 * Waits for the next completion after `cursor` among the given tasks (or any task), from the
 * durable completion journal: a completion that happened before the call is returned at once,
 * whichever process recorded it. Wakes on file-system notifications, with a 1 s poll that also
 * notices runners that died (their recovery journals the completion).
 */
export async function waitForCompletion(manager: TaskManager, req: WaitRequest): Promise<WaitOutcome> {
  const journal = manager.store.layout.completionsFile;
  const ids =
    req.taskIds && req.taskIds.length > 0
      ? [...new Set(req.taskIds.map((id) => parseTaskId(id).taskId))]
      : undefined;
  if (ids) for (const id of ids) await manager.observe(id);
  const given = parseCursor(req.cursor);
  if (Number.isNaN(given))
    throw new UserError(
      `Invalid cursor "${req.cursor}": pass the cursor a previous codex_wait or codex_dispatch returned, or omit it.`,
    );
  // With task ids and no cursor, their whole history counts (a task that already ended returns
  // at once); for "any task" without a cursor, only what ends from now on.
  let cursor = given ?? (ids ? 0 : await journalSize(journal));

  // A task whose result is written but whose meta.json is not yet terminal is between the
  // outcome and its journal line (finalize writes result → journal → meta): its completion is
  // about to appear, so it still counts, or a wait could answer "idle" a moment too early.
  const unfinished = (o: Observation) => !isTerminal(o.status) || !isTerminal(o.meta.status);
  const active = async (): Promise<Observation[]> => {
    if (ids) return (await Promise.all(ids.map((id) => manager.observe(id)))).filter(unfinished);
    // A terminal meta.json means the completion is journaled: one small read skips the task.
    const found: Observation[] = [];
    for (const id of await manager.store.listIds()) {
      const meta = await manager.store.readMeta(id).catch(() => undefined);
      if (!meta || isTerminal(meta.status)) continue;
      const obs = await manager.observe(id).catch(() => undefined);
      if (obs && unfinished(obs)) found.push(obs);
    }
    return found;
  };

  const check = async (): Promise<WaitOutcome | undefined> => {
    const { entries, end } = await readJournal(journal, cursor);
    for (const entry of entries) {
      if (ids && !ids.includes(entry.task_id)) continue;
      const obs = await manager.observe(entry.task_id).catch(() => undefined);
      // An entry of an earlier run of a task id that has been re-run since is history.
      if (!obs || obs.meta.created_at !== entry.created_at || !isTerminal(obs.status)) continue;
      return {
        kind: "completion",
        entry,
        obs,
        cursor: formatCursor(entry.next),
        running: (await active()).filter((o) => !isTerminal(o.status) && o.meta.task_id !== obs.meta.task_id),
      };
    }
    cursor = end;
    // Observing the active tasks also recovers dead runners, which journals their end.
    const running = await active();
    if (running.length === 0) {
      const again = await readJournal(journal, cursor);
      if (again.entries.length === 0) return { kind: "idle", cursor: formatCursor(cursor) };
    }
    return undefined;
  };

  const found = await waitFor(check, {
    watch: [manager.store.layout.home],
    pollMs: 1000,
    timeoutMs: req.timeoutMs,
    signal: req.signal,
  });
  return (
    found ?? {
      kind: "timeout",
      cursor: formatCursor(cursor),
      running: (await active()).filter((o) => !isTerminal(o.status)),
    }
  );
}
