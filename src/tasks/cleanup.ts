import { promises as fsp } from "node:fs";
import path from "node:path";
import { isTerminal } from "../core/types.js";
import type { Observation } from "../lifecycle/observe.js";
import { UserError } from "../util/errors.js";
import type { CleanupPreviewItem } from "./cleanup-preview.js";
import { type CleanedItem, cleanWorktree, type RefusedItem } from "./cleanup-worktree.js";
import type { TaskManager } from "./manager.js";

export type { CleanupPreviewItem } from "./cleanup-preview.js";
export type { CleanedItem, RefusedItem } from "./cleanup-worktree.js";

export interface CleanupRequest {
  readonly taskId?: string | undefined;
  readonly allFinished?: boolean | undefined;
  readonly force?: boolean | undefined;
  /** all_finished: only worktrees whose newest task ended longer ago than this. */
  readonly olderThanSeconds?: number | undefined;
  /** Decide everything, change nothing: `would` says what a real call would do. */
  readonly dryRun?: boolean | undefined;
}

export interface CleanupReport {
  readonly cleaned: CleanedItem[];
  readonly refused: RefusedItem[];
  readonly task_dirs_removed: string[];
  /** Damaged runs moved into their task's history/ (nothing deleted). */
  readonly damaged_archived: { task_id: string; archived_to: string }[];
  /** Dry run: what a real call would do to each worktree it would not refuse. */
  readonly would?: CleanupPreviewItem[];
}

/** A damaged run goes into history/, under the task's lock; its worktree (if any) is not touched. */
async function archiveDamaged(
  manager: TaskManager,
  obs: Observation,
): Promise<{ task_id: string; archived_to: string }> {
  const id = obs.meta.task_id;
  const to = await manager.store.lockTask(id, async () => {
    const again = await manager.observe(id);
    if (!again.damage || !isTerminal(again.status))
      throw new UserError(`Task ${id} is ${again.status} now; it was not archived.`);
    return manager.store.archiveRun(id);
  });
  return { task_id: id, archived_to: to ?? manager.store.layout.taskDir(id) };
}

interface Group {
  readonly key: string;
  /** Newest first. */
  readonly tasks: Observation[];
}

function groupByWorktree(observations: readonly Observation[]): Group[] {
  const groups = new Map<string, Observation[]>();
  for (const obs of observations) {
    const key = obs.meta.git?.worktree_dir ?? `task:${obs.meta.task_id}`;
    groups.set(key, [...(groups.get(key) ?? []), obs]);
  }
  return [...groups.entries()].map(([key, tasks]) => ({
    key,
    tasks: tasks.sort((a, b) => b.meta.created_at.localeCompare(a.meta.created_at)),
  }));
}

/**
 * Task directories past the retention period (finished tasks only), with the links pointing at
 * them. Returns the task ids removed.
 */
export async function pruneTaskDirs(manager: TaskManager, retentionDays: number): Promise<string[]> {
  const removed: string[] = [];
  const cutoff = Date.now() - retentionDays * 86_400_000;
  for (const obs of await manager.list()) {
    if (!isTerminal(obs.status) || obs.damage) continue;
    const finished = Date.parse(obs.result?.finished_at ?? obs.meta.finished_at ?? obs.meta.created_at);
    if (!(finished < cutoff)) continue;
    const dir = manager.store.layout.taskDir(obs.meta.task_id);
    const link = path.join(obs.meta.cwd, ".codex-tasks", obs.meta.topic);
    const target = await fsp.readlink(link).catch(() => undefined);
    if (target && path.resolve(path.dirname(link), target) === dir) await fsp.rm(link, { force: true });
    await fsp.rm(dir, { recursive: true, force: true });
    removed.push(obs.meta.task_id);
  }
  return removed;
}

/**
 * Removes the worktrees (and tmux sessions, and merged branches) of finished tasks. A worktree
 * whose removal would lose work — commits only it reaches, uncommitted or ignored files, an
 * unfinished operation, a nested repository's work, an unmerged branch — is refused with the
 * reasons unless `force`; even forced, everything is kept first (refs under refs/codexmcp/kept/,
 * ignored files in a tar archive, unmerged branches stay) and a running task's worktree is never
 * touched.
 */
export async function cleanupTasks(manager: TaskManager, req: CleanupRequest): Promise<CleanupReport> {
  if (!req.taskId && !req.allFinished)
    throw new UserError("Say what to clean up: task_id, or all_finished: true.");
  if (req.taskId && req.allFinished) throw new UserError("Pass either task_id or all_finished, not both.");
  const listed = await manager.list();
  const all = listed.filter((o) => !o.damage);
  const damaged_archived: { task_id: string; archived_to: string }[] = [];
  let groups: Group[];
  if (req.taskId) {
    const target = await manager.observe(req.taskId);
    if (target.damage) {
      if (!isTerminal(target.status))
        throw new UserError(
          `Task ${target.meta.task_id} is damaged but still ${target.status}; cancel it first.`,
        );
      if (req.dryRun)
        return {
          cleaned: [],
          refused: [],
          task_dirs_removed: [],
          damaged_archived: [{ task_id: target.meta.task_id, archived_to: "(would move into its history/)" }],
          would: [],
        };
      damaged_archived.push(await archiveDamaged(manager, target));
      return { cleaned: [], refused: [], task_dirs_removed: [], damaged_archived };
    }
    const key = target.meta.git?.worktree_dir;
    groups = groupByWorktree(key ? all.filter((o) => o.meta.git?.worktree_dir === key) : [target]);
  } else {
    for (const obs of listed)
      if (obs.damage && isTerminal(obs.status))
        damaged_archived.push(
          req.dryRun
            ? { task_id: obs.meta.task_id, archived_to: "(would move into its history/)" }
            : await archiveDamaged(manager, obs),
        );
    const cutoff = Date.now() - (req.olderThanSeconds ?? 0) * 1000;
    groups = groupByWorktree(all).filter((g) => {
      const newest = g.tasks[0];
      if (!newest || !isTerminal(newest.status) || g.tasks.some((o) => !isTerminal(o.status))) return false;
      return Date.parse(newest.result?.finished_at ?? newest.meta.created_at) <= cutoff;
    });
  }
  const cleaned: CleanedItem[] = [];
  const refused: RefusedItem[] = [];
  const would: CleanupPreviewItem[] = [];
  for (const group of groups) {
    if (group.tasks.length === 0) continue;
    const item = await cleanWorktree(manager, group.tasks, req.force === true, req.dryRun === true);
    if ("reasons" in item) refused.push(item);
    else if ("dry_run" in item) {
      const host = group.tasks.find((o) => o.meta.remote?.collected_at)?.meta.remote?.host;
      would.push(
        host
          ? {
              ...item,
              keeps: [...item.keeps, `the worktree on host ${host} goes by that host's own cleanup rules`],
            }
          : item,
      );
    } else {
      // Its branch came back from a host: the host's worktree goes too, by the host's rules.
      const remote = group.tasks.find((o) => o.meta.remote?.collected_at)?.meta;
      if (remote) {
        const { cleanupRemote } = await import("../lifecycle/remote-observe.js");
        cleaned.push({ ...item, remote: await cleanupRemote(manager.store, remote, req.force === true) });
      } else cleaned.push(item);
    }
  }
  if (req.dryRun) return { cleaned, refused, task_dirs_removed: [], damaged_archived, would };
  const task_dirs_removed = req.allFinished
    ? await pruneTaskDirs(manager, manager.settings.retentionDays)
    : [];
  return { cleaned, refused, task_dirs_removed, damaged_archived };
}
