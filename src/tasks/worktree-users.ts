import { WRITE_SANDBOXES } from "../core/sandbox.js";
import type { TaskStore } from "../core/store.js";
import { isTerminal, type TaskMeta } from "../core/types.js";
import type { Tmux } from "../hosts/tmux/tmux.js";
import { type Observation, observeTask } from "./observe.js";

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
  tmux: Tmux,
  dir: string,
  except?: string,
): Promise<Observation[]> {
  const ids = (await store.listIds()).filter((id) => id !== except);
  const metas = await Promise.all(ids.map((id) => store.readMeta(id).catch(() => undefined)));
  const found: Observation[] = [];
  for (const meta of metas) {
    if (!meta || isTerminal(meta.status) || workingDirOf(meta) !== dir) continue;
    const obs = await observeTask(store, meta.task_id, tmux).catch(() => undefined);
    if (obs && !isTerminal(obs.status)) found.push(obs);
  }
  return found;
}
