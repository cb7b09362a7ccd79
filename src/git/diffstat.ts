import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { hasErrorCode } from "../util/errors.js";
import { log } from "../util/log.js";
import { git } from "./git.js";
import { countCommits } from "./repo.js";
import { secureWorktreeAdmin } from "./worktree-admin.js";

export interface DiffStat {
  /** git's summary line, e.g. "3 files changed, 42 insertions(+), 10 deletions(-)"; "" when nothing changed. */
  readonly diff_stat: string;
  readonly files_changed: number;
  readonly insertions: number;
  readonly deletions: number;
  readonly commits_ahead: number;
  readonly head_commit: string;
}

export function parseShortstat(line: string): { files: number; insertions: number; deletions: number } {
  const num = (re: RegExp) => Number(re.exec(line)?.[1] ?? 0);
  return {
    files: num(/(\d+) files? changed/),
    insertions: num(/(\d+) insertions?\(\+\)/),
    deletions: num(/(\d+) deletions?\(-\)/),
  };
}

/**
 * Runs `fn` with a private copy of the worktree's index in which untracked (not ignored) files
 * are marked intent-to-add. Diffs against it then see committed, staged, unstaged and new files
 * alike, while the worktree's real index, and anything an agent staged, stays untouched.
 */
export async function withSnapshotIndex<T>(
  worktree: string,
  fn: (env: Record<string, string>) => Promise<T>,
): Promise<T> {
  const realIndex = (await git(worktree, ["rev-parse", "--git-path", "index"])).trim();
  const tmp = path.join(os.tmpdir(), `codexmcp-index-${process.pid}-${randomBytes(6).toString("hex")}`);
  try {
    await fsp.copyFile(path.resolve(worktree, realIndex), tmp);
  } catch (err) {
    if (!hasErrorCode(err, "ENOENT")) throw err;
  }
  const env = { GIT_INDEX_FILE: tmp };
  try {
    await git(worktree, ["add", "--all", "--intent-to-add", "--", "."], env);
    return await fn(env);
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

/** Diff stats of everything in the worktree (commits and uncommitted work) against `base`. */
export async function diffStat(worktree: string, base: string): Promise<DiffStat> {
  // Called when a task ends and for codex_diff: a person reviews the worktree next.
  for (const repair of await secureWorktreeAdmin(worktree)) log.warn(repair);
  const shortstat = await withSnapshotIndex(worktree, (env) =>
    git(worktree, ["diff", "--shortstat", base, "--"], env),
  );
  const line = shortstat.trim();
  const { files, insertions, deletions } = parseShortstat(line);
  const head = (await git(worktree, ["rev-parse", "HEAD"])).trim();
  return {
    diff_stat: line,
    files_changed: files,
    insertions,
    deletions,
    commits_ahead: await countCommits(worktree, `${base}..HEAD`),
    head_commit: head,
  };
}
