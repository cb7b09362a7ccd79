import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isTerminal } from "../core/types.js";
import { git, gitMaybe } from "../git/git.js";
import { branchExists, countCommits } from "../git/repo.js";
import { UserError } from "../util/errors.js";
import { pathExists } from "../util/files.js";
import { withLock } from "../util/lock.js";
import { nowIso } from "../util/time.js";
import { REPO_LOCK_WAIT, repoLockPath } from "./locks.js";
import type { TaskManager } from "./manager.js";
import { readMergeRecord } from "./merge.js";
import type { Observation } from "./observe.js";
import { tmuxFor } from "./scheduler.js";

export interface CleanupRequest {
  readonly taskId?: string | undefined;
  readonly allFinished?: boolean | undefined;
  readonly force?: boolean | undefined;
  /** all_finished: only worktrees whose newest task ended longer ago than this. */
  readonly olderThanSeconds?: number | undefined;
}

export interface CleanedItem {
  readonly worktree_dir: string | null;
  readonly tasks: readonly string[];
  readonly worktree_removed: boolean;
  readonly branch: string | null;
  readonly branch_deleted: boolean;
  /** Why the branch stays (unmerged commits), and where the work is. */
  readonly branch_kept?: string;
  /** Uncommitted work saved before a forced removal. */
  readonly saved_ref?: string;
  readonly sessions_closed: number;
}

export interface RefusedItem {
  readonly worktree_dir: string | null;
  readonly tasks: readonly string[];
  readonly reasons: readonly string[];
  /** Whether force: true would remove it (not for a running task or a vanished repository). */
  readonly force_helps: boolean;
}

export interface CleanupReport {
  readonly cleaned: CleanedItem[];
  readonly refused: RefusedItem[];
  readonly task_dirs_removed: string[];
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

/** Commits uncommitted and untracked work (not touching the real index) and keeps it under a ref. */
async function saveUncommitted(worktree: string, repo: string, stem: string): Promise<string> {
  const tmp = path.join(os.tmpdir(), `codexmcp-keep-${randomBytes(6).toString("hex")}`);
  try {
    const index = path.resolve(worktree, (await git(worktree, ["rev-parse", "--git-path", "index"])).trim());
    await fsp.copyFile(index, tmp).catch(() => undefined);
    const env = { GIT_INDEX_FILE: tmp };
    await git(worktree, ["add", "--all"], env);
    const tree = (await git(worktree, ["write-tree"], env)).trim();
    const head = (await git(worktree, ["rev-parse", "HEAD"])).trim();
    const commit = (
      await git(worktree, [
        "commit-tree",
        tree,
        "-p",
        head,
        "-m",
        `codexmcp: uncommitted work in ${worktree}, kept by a forced cleanup`,
      ])
    ).trim();
    const ref = `refs/codexmcp/kept/${stem}/${nowIso()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "Z")}`;
    await git(repo, ["update-ref", ref, commit]);
    return ref;
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

async function closeSessions(group: Group): Promise<number> {
  let closed = 0;
  for (const obs of group.tasks) {
    const tmux = tmuxFor(obs.meta);
    if (tmux && obs.meta.tmux_session && (await tmux.hasSession(obs.meta.tmux_session))) {
      if (await tmux.killSession(obs.meta.tmux_session)) closed++;
    }
  }
  return closed;
}

async function cleanGroup(
  manager: TaskManager,
  group: Group,
  force: boolean,
): Promise<CleanedItem | RefusedItem> {
  const ids = group.tasks.map((o) => o.meta.task_id);
  const running = group.tasks.filter((o) => !isTerminal(o.status));
  const newest = group.tasks[0]?.meta;
  if (running.length > 0 || !newest) {
    return {
      worktree_dir: newest?.git?.worktree_dir ?? null,
      tasks: ids,
      reasons: running.map(
        (o) =>
          `task ${o.meta.task_id} is ${o.status} there (never removed, even with force; cancel it first)`,
      ),
      force_helps: false,
    };
  }
  if (!newest.git) {
    return {
      worktree_dir: null,
      tasks: ids,
      worktree_removed: false,
      branch: null,
      branch_deleted: false,
      sessions_closed: await closeSessions(group),
    };
  }
  const { worktree_dir: worktree, agent_branch: branch, repo_root: repo } = newest.git;
  const base = newest.git.base_branch;
  if (!(await pathExists(repo))) {
    return {
      worktree_dir: worktree,
      tasks: ids,
      reasons: [`the repository ${repo} is gone; remove ${worktree} by hand`],
      force_helps: false,
    };
  }
  const commonDir = path.resolve(repo, (await git(repo, ["rev-parse", "--git-common-dir"])).trim());
  return withLock(
    repoLockPath(manager.store, commonDir),
    async () => {
      const reasons: string[] = [];
      const exists = await pathExists(worktree);
      const dirty = exists
        ? (await git(worktree, ["status", "--porcelain=v1", "--untracked-files=all"]))
            .split("\n")
            .filter(Boolean)
        : [];
      if (dirty.length > 0)
        reasons.push(`the worktree has ${dirty.length} uncommitted or untracked change(s)`);
      const hasBranch = await branchExists(repo, branch);
      let unmerged = 0;
      let into = base ?? "HEAD";
      if (hasBranch) {
        const head = (await git(repo, ["rev-parse", branch])).trim();
        const records = await Promise.all(ids.map((id) => readMergeRecord(manager, id)));
        // A squash merge leaves no ancestry; its record proves the branch went in unchanged.
        const squashed = records.some((r) => r?.branch_head === head);
        into = base && (await branchExists(repo, base)) ? base : "HEAD";
        unmerged = squashed ? 0 : await countCommits(repo, `${into}..${branch}`);
        if (unmerged > 0) reasons.push(`branch ${branch} has ${unmerged} commit(s) not in ${into}`);
      }
      if (reasons.length > 0 && !force)
        return { worktree_dir: worktree, tasks: ids, reasons, force_helps: true };

      const saved =
        exists && dirty.length > 0 ? await saveUncommitted(worktree, repo, newest.topic_stem) : undefined;
      const sessions = await closeSessions(group);
      if (exists) await git(repo, ["worktree", "remove", "--force", worktree]);
      await gitMaybe(repo, ["worktree", "prune"]);
      let deleted = false;
      if (hasBranch && unmerged === 0) {
        deleted = (await gitMaybe(repo, ["branch", "-D", branch])) !== undefined;
      }
      return {
        worktree_dir: worktree,
        tasks: ids,
        worktree_removed: exists,
        branch,
        branch_deleted: deleted,
        ...(hasBranch && unmerged > 0
          ? { branch_kept: `${branch} kept: ${unmerged} commit(s) not in ${into} stay reachable there` }
          : {}),
        ...(saved ? { saved_ref: saved } : {}),
        sessions_closed: sessions,
      };
    },
    REPO_LOCK_WAIT,
  );
}

/**
 * Task directories past the retention period (finished tasks only), with the links pointing at
 * them. Returns the task ids removed.
 */
export async function pruneTaskDirs(manager: TaskManager, retentionDays: number): Promise<string[]> {
  const removed: string[] = [];
  const cutoff = Date.now() - retentionDays * 86_400_000;
  for (const obs of await manager.list()) {
    if (!isTerminal(obs.status)) continue;
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
 * Removes the worktrees (and tmux sessions, and merged branches) of finished tasks. Dirty
 * worktrees, unmerged branches and worktrees in use are refused with the reason unless `force`;
 * even forced, nothing unmerged is lost (uncommitted work is committed under
 * refs/codexmcp/kept/, unmerged branches stay) and running tasks are never touched.
 */
export async function cleanupTasks(manager: TaskManager, req: CleanupRequest): Promise<CleanupReport> {
  if (!req.taskId && !req.allFinished)
    throw new UserError("Say what to clean up: task_id, or all_finished: true.");
  if (req.taskId && req.allFinished) throw new UserError("Pass either task_id or all_finished, not both.");
  const all = await manager.list();
  let groups: Group[];
  if (req.taskId) {
    const target = await manager.observe(req.taskId);
    const key = target.meta.git?.worktree_dir;
    groups = groupByWorktree(key ? all.filter((o) => o.meta.git?.worktree_dir === key) : [target]);
  } else {
    const cutoff = Date.now() - (req.olderThanSeconds ?? 0) * 1000;
    groups = groupByWorktree(all).filter((g) => {
      const newest = g.tasks[0];
      if (!newest || !isTerminal(newest.status) || g.tasks.some((o) => !isTerminal(o.status))) return false;
      return Date.parse(newest.result?.finished_at ?? newest.meta.created_at) <= cutoff;
    });
  }
  const cleaned: CleanedItem[] = [];
  const refused: RefusedItem[] = [];
  for (const group of groups) {
    const item = await cleanGroup(manager, group, req.force === true);
    if ("reasons" in item) refused.push(item);
    else cleaned.push(item);
  }
  const task_dirs_removed = req.allFinished
    ? await pruneTaskDirs(manager, manager.settings.retentionDays)
    : [];
  return { cleaned, refused, task_dirs_removed };
}
