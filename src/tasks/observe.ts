import { statSync } from "node:fs";
import type { TaskStore } from "../core/store.js";
import {
  isTerminal,
  type RunnerRecord,
  type TaskMeta,
  type TaskResult,
  type TaskStatus,
} from "../core/types.js";
import type { Tmux } from "../hosts/tmux/tmux.js";
import { isAlive } from "../proc/liveness.js";
import { recoverDeadTask } from "./recovery.js";

/**
 * Observations of settled tasks, per process: listing hundreds of finished tasks must not read
 * three files each every time. Keyed by meta.json's identity, which every change replaces.
 */
const settledCache = new Map<string, { identity: string; obs: Observation }>();

function fileIdentity(file: string): string | undefined {
  try {
    const st = statSync(file);
    return `${st.ino}:${st.mtimeMs}:${st.size}`;
  } catch {
    return undefined;
  }
}

/** How long a dispatched task may go without a runner before it counts as never started. */
export const STARTUP_GRACE_MS = 60_000;

export interface Observation {
  readonly meta: TaskMeta;
  readonly result: TaskResult | undefined;
  readonly runner: RunnerRecord | undefined;
  readonly status: TaskStatus;
  /** This observation found the runner dead and recorded the outcome (a queue slot freed up). */
  readonly recovered?: boolean;
}

/**
 * A task's true state, from its files and the process table: the result if there is one;
 * otherwise queued, starting, or running while its runner (pid + start time) lives. A runner
 * that is gone without a result is recovered here, by whichever process looks first.
 */
export async function observeTask(
  store: TaskStore,
  taskId: string,
  tmux?: Tmux,
): Promise<Observation | undefined> {
  const metaFile = store.layout.file(taskId, "meta");
  const cacheKey = `${store.layout.home}\0${taskId}`;
  const before = fileIdentity(metaFile);
  const cached = settledCache.get(cacheKey);
  if (cached && before && cached.identity === before) return cached.obs;
  if (!before) settledCache.delete(cacheKey);

  const meta = await store.readMeta(taskId);
  if (!meta) return undefined;
  const settled = async (): Promise<Observation | undefined> => {
    const result = await store.readResult(taskId);
    if (!result) return undefined;
    let fresh = meta;
    let identity = before;
    if (!isTerminal(meta.status)) {
      await store.repairCompletion(taskId);
      identity = fileIdentity(metaFile);
      fresh = (await store.readMeta(taskId)) ?? meta;
    }
    // The runner of a task that has ended is of no interest (cancel reads it itself).
    const obs: Observation = { meta: fresh, result, runner: undefined, status: result.status };
    // Fully settled (outcome recorded, meta marked): it stays so until the topic is re-run
    // (meta.json replaced) or the task is pruned (meta.json gone).
    if (isTerminal(fresh.status) && identity && identity === fileIdentity(metaFile))
      settledCache.set(cacheKey, { identity, obs });
    return obs;
  };
  const done = await settled();
  if (done) return done;

  const recover = async (reason: string): Promise<Observation> => {
    await recoverDeadTask(store, meta, reason, tmux);
    const after = await settled();
    return after
      ? { ...after, recovered: true }
      : { meta, result: undefined, runner: undefined, status: "failed", recovered: true };
  };

  const runner = await store.readRunner(taskId);
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
