import {
  findEntry,
  formatCursor,
  type JournalEntry,
  journalSize,
  parseCursor,
  readJournal,
} from "../core/journal.js";
import { parseTaskId } from "../core/topic.js";
import { isTerminal } from "../core/types.js";
import type { Observation } from "../lifecycle/observe.js";
import { UserError } from "../util/errors.js";
import type { TaskManager } from "./manager.js";
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
      readonly entry: JournalEntry | undefined;
      readonly obs: Observation;
      readonly cursor: string;
      readonly running: Observation[];
    }
  | { readonly kind: "timeout"; readonly cursor: string; readonly running: Observation[] }
  | { readonly kind: "idle"; readonly cursor: string };

/** A result whose writer has not journaled it after this long is stuck (a full disk), not in progress. */
const STUCK_AFTER_MS = 15_000;

/**
 * Waits for the next completion after `cursor` among the given tasks (or any task), from the
 * durable completion journal: a completion that happened before the call is returned at once,
 * whichever process recorded it. Wakes on file-system notifications, with a 1 s poll that also
 * notices runners that died (their recovery journals the completion).
 *
 * Given tasks and no cursor, their whole history counts; that is answered from the tasks' own
 * state and a backward search of the journal for their entries, never by reading the whole
 * journal, so the cost does not grow with its size.
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
  const history = ids !== undefined && given === undefined;
  let cursor = given ?? (await journalSize(journal));
  // History mode answers from the tasks' state, not by reading the journal, so the cursor it
  // hands back is where the journal ended when the last look began: an ending journaled during
  // or after that look lies beyond it (one journaled before it was seen by the look).
  let lookedFrom = cursor;

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
  const completion = async (
    obs: Observation,
    entry: JournalEntry | undefined,
    next: number,
  ): Promise<WaitOutcome> => ({
    kind: "completion",
    entry,
    obs,
    cursor: formatCursor(next),
    running: (await active()).filter((o) => !isTerminal(o.status) && o.meta.task_id !== obs.meta.task_id),
  });

  /** History mode: the earliest-journaled of the given tasks that has ended. */
  const ended = async (): Promise<WaitOutcome | undefined> => {
    let best: { obs: Observation; entry: JournalEntry | undefined } | undefined;
    for (const id of ids ?? []) {
      const obs = await manager.observe(id).catch(() => undefined);
      if (!obs || !isTerminal(obs.status)) continue;
      const entry = await findEntry(journal, id, obs.meta.created_at);
      if (!entry && !isTerminal(obs.meta.status)) {
        const age = Date.now() - Date.parse(obs.result?.finished_at ?? obs.meta.created_at);
        if (!(age > STUCK_AFTER_MS)) continue; // being journaled right now
      }
      if (!best || (entry && (!best.entry || entry.offset < best.entry.offset))) best = { obs, entry };
    }
    if (!best) return undefined;
    return completion(best.obs, best.entry, best.entry?.next ?? lookedFrom);
  };

  const check = async (): Promise<WaitOutcome | undefined> => {
    if (history) {
      lookedFrom = await journalSize(journal);
      const found = await ended();
      if (found) return found;
      return (await active()).length === 0 ? { kind: "idle", cursor: formatCursor(lookedFrom) } : undefined;
    }
    for (;;) {
      const { entries, end } = await readJournal(journal, cursor);
      for (const entry of entries) {
        if (ids && !ids.includes(entry.task_id)) continue;
        const obs = await manager.observe(entry.task_id).catch(() => undefined);
        // An entry of an earlier run of a task id that has been re-run since is history.
        if (!obs || obs.meta.created_at !== entry.created_at || !isTerminal(obs.status)) continue;
        return completion(obs, entry, entry.next);
      }
      if (end === cursor) break;
      cursor = end;
    }
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
  if (found) return found;
  if (history) cursor = lookedFrom;
  return {
    kind: "timeout",
    cursor: formatCursor(cursor),
    running: (await active()).filter((o) => !isTerminal(o.status)),
  };
}
