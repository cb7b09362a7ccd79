import { WRITE_SANDBOXES } from "../core/sandbox.js";
import type { TaskStore } from "../core/store.js";
import { isTerminal, type TaskMeta } from "../core/types.js";
import type { HostResolver } from "../hosts/host.js";
import { type Observation, observeTask } from "../lifecycle/observe.js";

/** The directory a task works in and owns while it runs: its worktree, or cwd when it ran in place. */
export function workingDirOf(meta: TaskMeta): string | undefined {
  if (!WRITE_SANDBOXES.includes(meta.sandbox)) return undefined;
  return meta.git?.worktree_dir ?? (meta.ran_in_place ? meta.run_dir : undefined);
}

/**
 * The tasks (other than `except`) that are queued, starting or running in `dir`, read afresh
 * from the store. Dispatch, merge and cleanup call this while holding the repository lock, and
 * dispatch holds that lock until its task is recorded, so the answer stays true until the
 * caller releases the lock.
 */
export async function activeTasksIn(
  store: TaskStore,
  hosts: HostResolver,
  dir: string,
  except?: string,
): Promise<Observation[]> {
  const ids = (await store.listIds()).filter((id) => id !== except);
  const reads = await Promise.all(ids.map((id) => store.readMetaChecked(id).catch(() => undefined)));
  const found: Observation[] = [];
  for (const [i, read] of reads.entries()) {
    if (!read) continue;
    // A damaged meta.json: what could be salvaged of it says where it runs, if it still runs.
    if (read.ok && (isTerminal(read.value.status) || workingDirOf(read.value) !== dir)) continue;
    const obs = await observeTask(store, ids[i] as string, hosts).catch(() => undefined);
    if (obs && !isTerminal(obs.status) && workingDirOf(obs.meta) === dir) found.push(obs);
  }
  return found;
}
