import type { CancelRequest } from "../core/cancel-request.js";
import type { TaskStore } from "../core/store.js";
import { processTagOf } from "../core/task-tag.js";
import type { HostResolver } from "../hosts/host.js";
import { type Observation, observeTask } from "../lifecycle/observe.js";
import { recoverDeadTask } from "../lifecycle/recovery.js";
import { isAlive } from "../proc/liveness.js";
import { killTree } from "../proc/tree.js";
import { writeJsonAtomic } from "../util/files.js";
import { nowIso } from "../util/time.js";
import { waitFor } from "./waiter.js";

/** How long a cancel waits for a runner that is still booting to install its signal handlers. */
const RUNNER_READY_WAIT_MS = 5000;

/**
 * Stops a task and everything it started. The runner is asked first (SIGTERM: it stops codex's
 * tree and records `cancelled` itself); whatever is still alive after a grace period is killed
 * here, found through the process tree and the task's environment tag, and the outcome is
 * recorded on the runner's behalf. Worktree and logs stay.
 */
export async function cancelTask(
  store: TaskStore,
  hosts: HostResolver,
  taskId: string,
  obs: Observation,
  why: Pick<CancelRequest, "by" | "reason"> = { by: "codex_cancel" },
): Promise<Observation> {
  const request: CancelRequest = { requested_at: nowIso(), by_pid: process.pid, ...why };
  await writeJsonAtomic(store.layout.file(taskId, "cancel"), request);
  let runner = obs.runner ?? (await store.readRunner(taskId));
  if (runner && isAlive(runner) && !runner.ready_at) {
    // Just launched: a SIGTERM while Node boots kills it before it can record anything.
    const booting = runner;
    runner =
      (await waitFor(
        async () => {
          const fresh = (await store.readRunner(taskId)) ?? booting;
          return fresh.ready_at || !isAlive(fresh) ? fresh : undefined;
        },
        { timeoutMs: RUNNER_READY_WAIT_MS, watch: [store.layout.taskDir(taskId)], pollMs: 50 },
      )) ?? runner;
  }
  if (runner && isAlive(runner)) {
    try {
      process.kill(runner.pid, "SIGTERM");
    } catch {
      // gone meanwhile
    }
    await waitFor(async () => ((await store.readResult(taskId)) ? true : undefined), {
      timeoutMs: 8000,
      watch: [store.layout.taskDir(taskId)],
      pollMs: 100,
    });
  }
  if (!(await store.readResult(taskId))) {
    await killTree({
      roots: runner ? [runner] : [],
      tag: processTagOf(obs.meta),
      graceMs: 1000,
    });
    await recoverDeadTask(store, obs.meta, "the runner did not stop by itself and was killed.", hosts);
  }
  // Belt and braces: nothing tagged with this task may outlive a cancel.
  await killTree({ roots: [], tag: processTagOf(obs.meta), graceMs: 500 });
  await hosts.hostOf(obs.meta).close(obs.meta);
  return (await observeTask(store, taskId, hosts)) ?? obs;
}
