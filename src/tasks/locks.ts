import { createHash } from "node:crypto";
import path from "node:path";
import type { TaskStore } from "../core/store.js";

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** One lock per repository (keyed by its common git dir): worktree creation, merges, cleanup. */
export function repoLockPath(store: TaskStore, commonDir: string): string {
  return path.join(store.layout.locksDir, `repo-${hash(commonDir)}`);
}

/**
 * One lock per worktree of a repository (keyed by the common git dir and the worktree's name,
 * so a parent reached through a symbolic link names the same lock): a dispatch holds it from
 * "no task uses this worktree" until its task is recorded, so dispatches into different
 * worktrees of one repository check out side by side. Merge and cleanup take it inside the
 * repository lock for the worktree they act on; a host's dispatch takes it inside the
 * repository lock too. Order: repository, then worktree, then task.
 */
export function worktreeLockPath(store: TaskStore, commonDir: string, worktreeDir: string): string {
  return path.join(store.layout.locksDir, `worktree-${hash(`${commonDir}\0${path.basename(worktreeDir)}`)}`);
}

/**
 * Repository locks are held for a worktree creation or a merge at a time, so a burst of
 * dispatches into one repository queues behind them: allow the whole burst, not one minute.
 */
export const REPO_LOCK_WAIT = { waitMs: 10 * 60_000, what: "the repository" } as const;

/** One lock per plain directory a write task runs in place in. */
export function dirLockPath(store: TaskStore, dir: string): string {
  return path.join(store.layout.locksDir, `dir-${hash(dir)}`);
}
