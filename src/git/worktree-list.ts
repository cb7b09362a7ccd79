import { git } from "./git.js";

/** One work tree of a repository, as `git worktree list --porcelain` describes it. */
export interface WorktreeEntry {
  readonly dir: string;
  readonly head: string | null;
  readonly branch: string | null;
  readonly prunable: boolean;
}

/** `git worktree list --porcelain`, with `-z` (paths may hold newlines) or without (git < 2.36). */
export function parseWorktreeList(porcelain: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  const nul = porcelain.includes("\0");
  for (const block of porcelain.split(nul ? /\0\0+/ : /\n\n+/)) {
    const lines = block.split(nul ? "\0" : "\n").filter(Boolean);
    const dir = lines.find((l) => l.startsWith("worktree "))?.slice("worktree ".length);
    if (!dir) continue;
    // `git worktree add` writes the null id as the new worktree's HEAD until it checks out.
    const listedHead = lines.find((l) => l.startsWith("HEAD "))?.slice(5) ?? null;
    const head = listedHead && /^0+$/.test(listedHead) ? null : listedHead;
    const branch =
      lines
        .find((l) => l.startsWith("branch "))
        ?.slice(7)
        .replace(/^refs\/heads\//, "") ?? null;
    entries.push({ dir, head, branch, prunable: lines.some((l) => l.startsWith("prunable")) });
  }
  return entries;
}

export async function listWorktrees(repoDir: string): Promise<WorktreeEntry[]> {
  const out = await git(repoDir, ["worktree", "list", "--porcelain", "-z"]).catch(() =>
    git(repoDir, ["worktree", "list", "--porcelain"]),
  );
  return parseWorktreeList(out);
}
