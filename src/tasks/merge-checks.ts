import { workTreeCollisions } from "../git/collisions.js";
import { git, gitMaybe } from "../git/git.js";
import { describeOperations, operationsInProgress } from "../git/operations.js";
import { countCommits } from "../git/repo.js";
import { UserError } from "../util/errors.js";
import { shellQuote } from "../util/shell-quote.js";

/** Checks codex_merge makes before it changes anything; each failure is a UserError that says what to do. */

export function listed(paths: readonly string[]): string {
  return paths.length > 8 ? `${paths.slice(0, 8).join(", ")} and ${paths.length - 8} more` : paths.join(", ");
}

export async function dirtyPaths(dir: string, untracked: boolean): Promise<string[]> {
  const out = await git(dir, [
    "status",
    "--porcelain=v1",
    "-z",
    `--untracked-files=${untracked ? "all" : "no"}`,
  ]);
  return out
    .split("\0")
    .filter((f) => f.length > 3)
    .map((f) => f.slice(3));
}

/** The user's checkout: on the base branch, nothing unfinished, no tracked changes. */
export async function checkCheckout(repo: string, base: string): Promise<void> {
  const ops = await operationsInProgress(repo);
  if (ops.length > 0) {
    throw new UserError(
      `In the checkout at ${repo}, ${describeOperations(ops, repo)}. codex_merge never touches an unfinished operation of yours; merge again when it is done. Nothing was changed.`,
    );
  }
  const head = (await gitMaybe(repo, ["symbolic-ref", "--short", "-q", "HEAD"]))?.trim();
  if (head !== base) {
    throw new UserError(
      `The checkout at ${repo} is on ${head ? `branch ${head}` : "a detached HEAD"}, not the task's base branch ${base}; switch it to ${base} (git -C ${shellQuote(repo)} switch ${base}) and merge again.`,
    );
  }
  const dirty = await dirtyPaths(repo, false);
  if (dirty.length > 0) {
    throw new UserError(
      `The checkout at ${repo} has uncommitted changes (${listed(dirty)}); commit or stash them first — codex_merge only merges into a clean checkout and changed nothing.`,
    );
  }
}

/**
 * The agent worktree: on the agent branch (merge acts on the branch codexmcp made, never on one a
 * person switched to), with nothing unfinished and its commits on that branch.
 */
export async function checkWorktree(worktree: string, branch: string): Promise<void> {
  const wt = shellQuote(worktree);
  const on = (await gitMaybe(worktree, ["symbolic-ref", "-q", "HEAD"]))?.trim().replace(/^refs\/heads\//, "");
  if (on && on !== branch) {
    throw new UserError(
      `The worktree ${worktree} is on branch ${on}, not the task's branch ${branch}; codex_merge only merges ${branch} and never moves ${on}. Switch the worktree back (git -C ${wt} switch ${branch}) and merge again, or merge ${on} yourself. Nothing was changed.`,
    );
  }
  if (!on) {
    const head = (await git(worktree, ["rev-parse", "HEAD"])).trim();
    const extra = await countCommits(worktree, `${branch}..${head}`);
    const behind = await countCommits(worktree, `${head}..${branch}`);
    const advice =
      extra > 0 && behind === 0
        ? `Put them on the branch first (git -C ${wt} switch -C ${branch}) and merge again`
        : `Put HEAD's commits on a branch (git -C ${wt} branch <name>) and merge what you want by hand`;
    throw new UserError(
      `The worktree ${worktree} has a detached HEAD (${head.slice(0, 12)}) with ${extra} commit(s) that are not on ${branch}; merging ${branch} would leave them out. ${advice}. Nothing was changed.`,
    );
  }
  const ops = await operationsInProgress(worktree);
  if (ops.length > 0) {
    throw new UserError(
      `In the worktree ${worktree}, ${describeOperations(ops, worktree)}; the agent's work there is unfinished. Ask the agent to finish it (codex_reply) and merge again. Nothing was changed.`,
    );
  }
}

/** Nothing of the checkout that git would overwrite or not see. */
export async function checkCollisions(repo: string, resultTree: string): Promise<void> {
  const headTree = (await git(repo, ["rev-parse", "HEAD^{tree}"])).trim();
  const { overwritten, hidden } = await workTreeCollisions(repo, headTree, resultTree);
  if (overwritten.length > 0) {
    throw new UserError(
      `Untracked or ignored files in ${repo} are where the merge would write (${listed(overwritten)}); git would overwrite them. Move them away and merge again. Nothing was changed.`,
    );
  }
  if (hidden.length > 0) {
    throw new UserError(
      `Files in ${repo} have local edits git is told not to see (assume-unchanged or skip-worktree: ${listed(hidden)}), and the merge changes them. Save your version, clear the flag (git update-index --no-assume-unchanged --no-skip-worktree -- <file>), commit or stash, and merge again. Nothing was changed.`,
    );
  }
}
