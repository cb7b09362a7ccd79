import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { git, gitMaybe } from "./git.js";

export interface MergePrediction {
  readonly clean: boolean;
  readonly conflicts: readonly string[];
  /** The merged tree (clean merges). */
  readonly tree?: string;
}

/**
 * Would merging `branch` into `base` conflict? Answered without touching any work tree, index or
 * ref: `git merge-tree --write-tree` (git >= 2.38) only writes objects. Older git gets a trial
 * merge in a throwaway worktree.
 */
export async function predictMerge(repo: string, base: string, branch: string): Promise<MergePrediction> {
  try {
    const out = await git(repo, [
      "merge-tree",
      "--write-tree",
      "--name-only",
      "--no-messages",
      "-z",
      base,
      branch,
    ]);
    const [tree = "", ...rest] = out.split("\0");
    return { clean: true, conflicts: rest.filter(Boolean), tree: tree.trim() };
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    // Exit 1 with a tree id first: a conflict. git.ts hands us the output as the message.
    const fields = text.split("\0");
    if (/^[0-9a-f]{40,64}$/.test(fields[0]?.trim() ?? ""))
      return { clean: false, conflicts: [...new Set(fields.slice(1).filter(Boolean))] };
    if (!/usage|unknown option|write-tree/i.test(text)) throw err;
  }
  return trialMerge(repo, base, branch);
}

async function trialMerge(repo: string, base: string, branch: string): Promise<MergePrediction> {
  const dir = path.join(os.tmpdir(), `codexmcp-trial-${randomBytes(6).toString("hex")}`);
  await git(repo, ["worktree", "add", "--quiet", "--detach", dir, base]);
  try {
    const ok = await gitMaybe(dir, ["merge", "--no-commit", "--no-ff", "--quiet", branch]);
    if (ok !== undefined)
      return { clean: true, conflicts: [], tree: (await git(dir, ["write-tree"])).trim() };
    const conflicted = (await gitMaybe(dir, ["diff", "--name-only", "-z", "--diff-filter=U"])) ?? "";
    return { clean: false, conflicts: conflicted.split("\0").filter(Boolean) };
  } finally {
    await gitMaybe(repo, ["worktree", "remove", "--force", dir]);
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Rebases `branch`'s commits onto `base` in a throwaway worktree, leaving every real ref alone.
 * Returns the rebased head, or the conflicting paths (and the rebase is abandoned).
 */
export async function trialRebase(
  repo: string,
  base: string,
  branch: string,
): Promise<{ head: string } | { conflicts: string[] }> {
  const dir = path.join(os.tmpdir(), `codexmcp-rebase-${randomBytes(6).toString("hex")}`);
  const tip = (await git(repo, ["rev-parse", branch])).trim();
  await git(repo, ["worktree", "add", "--quiet", "--detach", dir, tip]);
  try {
    const ok = await gitMaybe(dir, ["rebase", "--quiet", base]);
    if (ok !== undefined) return { head: (await git(dir, ["rev-parse", "HEAD"])).trim() };
    const conflicted = (await gitMaybe(dir, ["diff", "--name-only", "-z", "--diff-filter=U"])) ?? "";
    await gitMaybe(dir, ["rebase", "--abort"]);
    return { conflicts: conflicted.split("\0").filter(Boolean) };
  } finally {
    await gitMaybe(repo, ["worktree", "remove", "--force", dir]);
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
