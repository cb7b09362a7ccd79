import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathExists } from "../util/files.js";
import { git, gitMaybe } from "./git.js";
import { branchExists, revParse } from "./repo.js";
import { snapshotCommit } from "./snapshot.js";
import { listWorktrees } from "./worktree-list.js";

/**
 * Puts an agent branch that came back from a host into the user's repository: the branch at the
 * host's tip, checked out in the task's local worktree with the host worktree's uncommitted and
 * untracked files on top (`state`), so diff, merge and cleanup work as for a local task.
 * Nothing of the user's is overwritten: a branch that moved elsewhere, or a worktree with
 * changes other than what the last fetch put there, is left alone and the commits stay under
 * the task's refs (the answer says so).
 */
export interface PlaceBranch {
  readonly repo: string;
  readonly worktree: string;
  readonly branch: string;
  readonly head: string;
  readonly state: string;
}

/** Where the last fetch-back into a worktree left it (to tell the user's own edits from it). */
function placedRef(branch: string): string {
  return `refs/codexmcp/placed/${branch.replace(/^agent\//, "")}`;
}

async function isAncestor(repo: string, a: string, b: string): Promise<boolean> {
  return (await gitMaybe(repo, ["merge-base", "--is-ancestor", a, b])) !== undefined;
}

/** Writes `state`'s version of every path where it differs from `head`, and removes its deletions. */
async function applyState(worktree: string, head: string, state: string): Promise<void> {
  if (head === state) return;
  const changed = (
    await git(worktree, ["diff", "--name-only", "-z", "--no-renames", "--diff-filter=d", head, state])
  )
    .split("\0")
    .filter(Boolean);
  const deleted = (
    await git(worktree, ["diff", "--name-only", "-z", "--no-renames", "--diff-filter=D", head, state])
  )
    .split("\0")
    .filter(Boolean);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-state-"));
  const env = { GIT_INDEX_FILE: path.join(dir, "index") };
  try {
    await git(worktree, ["read-tree", state], env);
    for (let i = 0; i < changed.length; i += 200)
      await git(worktree, ["checkout-index", "-f", "--", ...changed.slice(i, i + 200)], env);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
  for (const file of deleted) await fsp.rm(path.join(worktree, file), { force: true });
}

export async function placeBranch(p: PlaceBranch): Promise<{ placed: boolean; note?: string }> {
  const keptAt = `the host's work is kept at ${p.head.slice(0, 12)}${p.state !== p.head ? ` (uncommitted files: ${p.state.slice(0, 12)})` : ""}`;
  const tip = (await branchExists(p.repo, p.branch)) ? await revParse(p.repo, p.branch) : null;
  if (tip && tip !== p.head && !(await isAncestor(p.repo, tip, p.head))) {
    return {
      placed: false,
      note: `Branch ${p.branch} here has commits the host's branch lacks, so it was not moved; ${keptAt}.`,
    };
  }
  const entry = (await listWorktrees(p.repo)).find((w) => path.resolve(w.dir) === path.resolve(p.worktree));
  if (entry && (await pathExists(p.worktree))) {
    // A later version of the topic: move the worktree only if it is exactly as the last
    // fetch-back left it (the user has not worked there).
    const last = await revParse(p.repo, placedRef(p.branch));
    const head = await revParse(p.worktree, "HEAD");
    const now = head ? await snapshotCommit(p.worktree, head, "codexmcp: check") : null;
    const tree = async (c: string | null) =>
      c ? (await gitMaybe(p.repo, ["rev-parse", `${c}^{tree}`]))?.trim() : undefined;
    if (entry.branch !== p.branch || !last || !now || (await tree(now)) !== (await tree(last))) {
      return {
        placed: false,
        note: `The worktree ${p.worktree} has changes of its own since the host's last result, so it was left as it is; ${keptAt}.`,
      };
    }
    const lastHead = head as string;
    // Files the last state added are untracked here: remove them before the tree moves.
    const added = (
      await git(p.repo, ["diff", "--name-only", "-z", "--no-renames", "--diff-filter=A", lastHead, last])
    )
      .split("\0")
      .filter(Boolean);
    await git(p.worktree, ["reset", "--quiet", "--hard", lastHead]);
    for (const file of added) await fsp.rm(path.join(p.worktree, file), { force: true });
    await git(p.worktree, ["reset", "--quiet", "--hard", p.head]);
  } else {
    if (tip !== p.head) await git(p.repo, ["branch", "--force", p.branch, p.head]);
    await fsp.mkdir(path.dirname(p.worktree), { recursive: true });
    await git(p.repo, ["worktree", "add", "--quiet", p.worktree, p.branch]);
  }
  await applyState(p.worktree, p.head, p.state);
  await git(p.repo, ["update-ref", placedRef(p.branch), p.state]);
  return { placed: true };
}
