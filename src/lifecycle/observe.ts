import type { TaskStore } from "../core/store.js";
import { processTagOf } from "../core/task-tag.js";
import { isTerminal, type RunnerRecord, type TaskMeta, type TaskResult } from "../core/types.js";
import type { HostResolver } from "../hosts/host.js";
import { isAlive } from "../proc/liveness.js";
import { taggedProcessesAsync } from "../proc/tree.js";
import { hasErrorCode } from "../util/errors.js";
import type { Damage } from "./damaged.js";
import type { Observation } from "./observation.js";

export type { Observation } from "./observation.js";

import { fileIdentity } from "../util/file-identity.js";
import { recoverDeadTask } from "./recovery.js";

/**
 * Observations of settled tasks, per process: listing hundreds of finished tasks must not read
 * three files each every time. Keyed by the identities of meta.json and result.json (every
 * change the product makes replaces meta.json; a result.json changed by anything else, e.g. a
 * damaged disk or a hand edit, must be read again).
 */
const settledCache = new Map<string, { identity: string; obs: Observation }>();

/** How long a dispatched task may go without a runner before it counts as never started. */
export const STARTUP_GRACE_MS = 60_000;

/** Writes an observer makes (repairs, recovery) fail on a full or read-only disk; reads must not. */
function isStorageFull(err: unknown): boolean {
  return hasErrorCode(err, "ENOSPC", "EDQUOT", "EROFS", "EACCES") || /ENOSPC|EDQUOT|EROFS/.test(String(err));
}

async function damaged(
  store: TaskStore,
  taskId: string,
  files: { file: string; problem: string }[],
  known: { meta?: TaskMeta; result?: TaskResult; runner?: RunnerRecord },
): Promise<Observation> {
  // Loaded only when something is damaged: it pulls in zod and the agent drivers.
  const { placeholderMeta, recoverable } = await import("./damaged.js");
  const meta = known.meta ?? (await placeholderMeta(store.layout, taskId));
  const damage: Damage = {
    files,
    recoverable: await recoverable(store.layout, taskId, meta, known.result),
  };
  // A runner still alive (or the task's processes, found by their tag) means it still runs.
  const tag = processTagOf(meta);
  const alive =
    !known.result &&
    ((known.runner && isAlive(known.runner)) || (await taggedProcessesAsync(tag.name, tag.value)).size > 0);
  return {
    meta,
    result: known.result,
    runner: known.runner,
    status: alive ? "running" : "damaged",
    damage,
  };
}

/**
 * A task's true state, from its files and the process table: the result if there is one;
 * otherwise queued, starting, or running while its runner (pid + start time) lives. A runner
 * that is gone without a result is recovered here, by whichever process looks first.
 */
export async function observeTask(
  store: TaskStore,
  taskId: string,
  hosts?: HostResolver,
): Promise<Observation | undefined> {
  const metaFile = store.layout.file(taskId, "meta");
  const resultFile = store.layout.file(taskId, "result");
  const cacheKey = `${store.layout.home}\0${taskId}`;
  const settledIdentity = (): string | undefined => {
    const m = fileIdentity(metaFile);
    return m && `${m}|${fileIdentity(resultFile) ?? "-"}`;
  };
  const before = settledIdentity();
  const cached = settledCache.get(cacheKey);
  if (cached && before && cached.identity === before) return cached.obs;
  if (!before) settledCache.delete(cacheKey);

  const metaRead = await store.readMetaChecked(taskId);
  if (!metaRead) return undefined;
  if (!metaRead.ok) {
    const [result, runner] = await Promise.all([
      store.readResultChecked(taskId).catch(() => undefined),
      store.readRunnerChecked(taskId).catch(() => undefined),
    ]);
    return damaged(store, taskId, [{ file: "meta.json", problem: metaRead.problem }], {
      ...(result?.ok ? { result: result.value } : {}),
      ...(runner?.ok ? { runner: runner.value } : {}),
    });
  }
  const meta = metaRead.value;
  const settled = async (): Promise<Observation | undefined> => {
    const read = await store.readResultChecked(taskId);
    if (!read) return undefined;
    if (!read.ok) return damaged(store, taskId, [{ file: "result.json", problem: read.problem }], { meta });
    const result = read.value;
    let fresh = meta;
    let identity = before;
    if (!isTerminal(meta.status)) {
      try {
        await store.repairCompletion(taskId);
      } catch (err) {
        // A full disk: the outcome stands; the journal line and meta follow when space is back.
        if (!isStorageFull(err)) throw err;
      }
      identity = settledIdentity();
      const again = await store.readMetaChecked(taskId).catch(() => undefined);
      fresh = again?.ok ? again.value : meta;
    }
    // The runner of a task that has ended is of no interest (cancel reads it itself).
    const obs: Observation = { meta: fresh, result, runner: undefined, status: result.status };
    // Fully settled (outcome recorded, meta marked): it stays so until the topic is re-run
    // (meta.json replaced) or the task is pruned (meta.json gone).
    if (isTerminal(fresh.status) && identity && identity === settledIdentity())
      settledCache.set(cacheKey, { identity, obs });
    return obs;
  };
  const done = await settled();
  if (done) return done;
  if (meta.host === "ssh") {
    // Loaded only for remote tasks: it brings the ssh client and git's fetch-back.
    const { observeRemote } = await import("./remote-observe.js");
    return observeRemote(store, meta);
  }

  const recover = async (reason: string): Promise<Observation> => {
    try {
      await recoverDeadTask(store, meta, reason, hosts);
    } catch (err) {
      if (!isStorageFull(err)) throw err;
      const pending = await store.pendingOutcome(taskId);
      return {
        meta,
        result: pending,
        runner: undefined,
        status: pending?.status ?? "failed",
        unrecorded: `the outcome could not be written to ${store.layout.home} (${String((err as Error).message ?? err)}); it is recorded as soon as there is space`,
      };
    }
    const after = await settled();
    return after
      ? { ...after, recovered: true }
      : { meta, result: undefined, runner: undefined, status: "failed", recovered: true };
  };

  const runnerRead = await store.readRunnerChecked(taskId);
  if (runnerRead && !runnerRead.ok)
    return damaged(store, taskId, [{ file: "runner.json", problem: runnerRead.problem }], { meta });
  const runner = runnerRead?.value;
  if (!runner) {
    if (meta.status === "queued") return { meta, result: undefined, runner, status: "queued" };
    // Measured from when it left the queue: a task may wait there for hours.
    const age = Date.now() - Date.parse(meta.starting_at ?? meta.created_at);
    if (age < STARTUP_GRACE_MS) return { meta, result: undefined, runner, status: "starting" };
    return recover(
      "the task never started: its runner was not launched (the server stopped while dispatching?)",
    );
  }
  if (isAlive(runner)) return { meta, result: undefined, runner, status: "running" };

  // The runner may have written its result between our two reads.
  const late = await settled();
  if (late) return late;
  return recover(
    `the task's runner (pid ${runner.pid}) exited without recording a result: it was killed or crashed; see codex-exec.log and stderr.log in the task directory`,
  );
}
