import { promises as fsp } from "node:fs";
import path from "node:path";
import { canonicalPath } from "../util/canonical-path.js";
import { UserError } from "../util/errors.js";
import { pathExists } from "../util/files.js";
import { type DriverScan, git, gitMaybe } from "./git.js";
import { branchExists, mergeBase, type RepoInfo, revParse } from "./repo.js";
import { listWorktrees } from "./worktree-list.js";

export interface WorktreeRequest {
  readonly repo: RepoInfo;
  readonly dir: string;
  readonly branch: string;
  /** The repository's drivers, scanned while the dispatch was planned (for a new topic's checkout). */
  readonly scanned?: Promise<DriverScan>;
}

export interface WorktreeReady {
  readonly dir: string;
  readonly branch: string;
  /** The commit diffs are measured against: the fork point, recorded at dispatch. */
  readonly baseCommit: string;
  readonly createdWorktree: boolean;
  readonly createdBranch: boolean;
  /** Refs made to keep commits only a deleted-by-hand worktree of this path still held. */
  readonly kept?: readonly string[];
}

/**
 * Creates the worktree (and its branch from the caller's HEAD), or reuses the one an earlier
 * version of the topic made. Callers serialise this per repository.
 */
export async function ensureWorktree(req: WorktreeRequest): Promise<WorktreeReady> {
  const { repo, branch } = req;
  if (!repo.head) {
    throw new UserError(
      `The repository at ${repo.toplevel} has no commits yet, so no worktree can branch from it; commit something first or use sandbox "read-only".`,
    );
  }
  const dir = await canonicalPath(req.dir);
  // The usual dispatch: a new topic, so neither the directory nor an admin entry for it exists.
  // Then `worktree add -b` goes ahead without asking git for the worktree list first (each git
  // process costs a dispatch a fork of the server); any other case takes the full way below.
  let branchExisted = false;
  if (!(await pathExists(dir)) && !(await mayBeRegistered(repo.commonDir, dir))) {
    const made = await addOnNewBranch(
      { toplevel: repo.toplevel, head: repo.head },
      dir,
      branch,
      [],
      req.scanned,
    );
    if (made) return made;
    branchExisted = true;
  }
  let entries = await listWorktrees(repo.toplevel);
  const find = async () => {
    for (const e of entries) if ((await canonicalPath(e.dir)) === dir) return e;
    return undefined;
  };
  let existing = await find();
  let kept: string[] = [];
  if (existing?.prunable || (existing && !(await pathExists(dir)))) {
    // Deleted by hand: keep what only its admin dir reaches, drop that admin dir (never a
    // repository-wide `git worktree prune`, which would do it to every deleted worktree).
    const { salvageMissingWorktree } = await import("./orphaned.js");
    kept = await salvageMissingWorktree(repo.toplevel, repo.commonDir, dir, branch.replace(/^agent\//, ""));
    entries = await listWorktrees(repo.toplevel);
    existing = await find();
  }
  if (existing) {
    if (existing.branch !== branch) {
      throw new UserError(
        `The worktree ${dir} is on ${existing.branch ? `branch ${existing.branch}` : "a detached HEAD"}, not ${branch}; move it away or check out ${branch} there.`,
      );
    }
    const base = (await mergeBase(repo.toplevel, repo.head, branch)) ?? repo.head;
    return { dir, branch, baseCommit: base, createdWorktree: false, createdBranch: false };
  }
  if (await pathExists(dir)) {
    throw new UserError(
      `${dir} already exists and is not a worktree of ${repo.toplevel}; move it away (or set worktree.root in .codexmcp.yaml) and dispatch again.`,
    );
  }
  const holder = entries.find((e) => e.branch === branch);
  if (holder) {
    throw new UserError(
      `Branch ${branch} is already checked out in ${holder.dir}; a branch can back only one worktree. Remove that worktree or pick another topic.`,
    );
  }
  const made = branchExisted
    ? undefined
    : await addOnNewBranch({ toplevel: repo.toplevel, head: repo.head }, dir, branch, kept);
  if (made) return made;
  await git(repo.toplevel, ["worktree", "add", "--quiet", dir, branch]);
  const tip = (await revParse(repo.toplevel, branch)) ?? repo.head;
  const base = (await mergeBase(repo.toplevel, repo.head, tip)) ?? repo.head;
  return { dir, branch, baseCommit: base, createdWorktree: true, createdBranch: false, kept };
}

/**
 * `worktree add -b`: the usual case is a new branch, so that is tried rather than asked about
 * beforehand. `-b` refuses an existing branch before it checks anything out: then undefined, and
 * the caller adds the worktree on that branch. Any other failure is thrown.
 */
async function addOnNewBranch(
  repo: { readonly toplevel: string; readonly head: string },
  dir: string,
  branch: string,
  kept: string[],
  scanned?: Promise<DriverScan>,
): Promise<WorktreeReady | undefined> {
  await fsp.mkdir(path.dirname(dir), { recursive: true });
  try {
    await git(
      repo.toplevel,
      ["worktree", "add", "--quiet", "-b", branch, dir, repo.head],
      undefined,
      scanned,
    );
    return { dir, branch, baseCommit: repo.head, createdWorktree: true, createdBranch: true, kept };
  } catch (err) {
    if ((await pathExists(dir)) || !(await branchExists(repo.toplevel, branch))) throw err;
    return undefined;
  }
}

/**
 * Whether a linked worktree's admin entry (`<common dir>/worktrees/<id>/gitdir`) may name `dir`.
 * Compared by the last path component, so a yes can be wrong but a no is sure; anything
 * unreadable is a yes. Git refuses such a `dir` ("missing but already registered") only after
 * `-b` has made the branch, which would then not count as made by this dispatch (and a failed
 * dispatch would leave it behind).
 */
export async function mayBeRegistered(commonDir: string, dir: string): Promise<boolean> {
  const admin = path.join(commonDir, "worktrees");
  let ids: string[];
  try {
    ids = await fsp.readdir(admin);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ENOENT";
  }
  const name = path.basename(dir);
  const named = await Promise.all(
    ids.map(async (id) => {
      const entry = path.join(admin, id);
      const text = await fsp.readFile(path.join(entry, "gitdir"), "utf8").catch(() => undefined);
      if (text === undefined) return true;
      // Newer git may write the path relative to the admin entry (worktree.useRelativePaths).
      const gitdir = path.resolve(entry, text.replace(/\r?\n$/, ""));
      return path.basename(path.dirname(gitdir)) === name || path.basename(gitdir) === name;
    }),
  );
  return named.includes(true);
}

/** Undo what ensureWorktree just made (a dispatch that failed after creating it). */
export async function rollbackWorktree(repoDir: string, ready: WorktreeReady): Promise<void> {
  if (ready.createdWorktree) await gitMaybe(repoDir, ["worktree", "remove", "--force", ready.dir]);
  if (ready.createdBranch) await gitMaybe(repoDir, ["branch", "-D", ready.branch]);
}
