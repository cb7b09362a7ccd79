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
 * Repository locks are held for a worktree creation or a merge at a time, so a burst of
 * dispatches into one repository queues behind them: allow the whole burst, not one minute.
 */
export const REPO_LOCK_WAIT = { waitMs: 10 * 60_000, what: "the repository" } as const;

/** One lock per plain directory a write task runs in place in. */
export function dirLockPath(store: TaskStore, dir: string): string {
  return path.join(store.layout.locksDir, `dir-${hash(dir)}`);
}
