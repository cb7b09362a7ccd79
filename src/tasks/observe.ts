import { isAlive } from "../proc/liveness.js";
import type { Tmux } from "../tmux/tmux.js";
import { recoverDeadTask } from "./recovery.js";
import type { TaskStore } from "./store.js";
import { isTerminal, type RunnerRecord, type TaskMeta, type TaskResult, type TaskStatus } from "./types.js";

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
  const meta = await store.readMeta(taskId);
  if (!meta) return undefined;
  const settled = async (): Promise<Observation | undefined> => {
    const result = await store.readResult(taskId);
    if (!result) return undefined;
    if (!isTerminal(meta.status)) await store.repairCompletion(taskId);
    const fresh = (await store.readMeta(taskId)) ?? meta;
    return { meta: fresh, result, runner: await store.readRunner(taskId), status: result.status };
  };
  const done = await settled();
  if (done) return done;

  const recover = async (reason: string): Promise<Observation> => {
    await recoverDeadTask(store, meta, reason, { tmux });
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
