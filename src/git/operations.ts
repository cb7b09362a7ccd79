import { pathExists } from "../util/files.js";
import { shellQuote } from "../util/shell-quote.js";
import { gitPath } from "./reachability.js";

/** An unfinished git operation in a work tree: what it is, and how a person finishes or drops it. */
export interface Operation {
  /** "a merge", "a rebase", … */
  readonly what: string;
  /** The state file that shows it (MERGE_HEAD, rebase-merge/, …). */
  readonly marker: string;
  readonly finish: string;
  readonly abort: string;
}

const OPERATIONS: readonly Operation[] = [
  { what: "a merge", marker: "MERGE_HEAD", finish: "git commit", abort: "git merge --abort" },
  {
    what: "a rebase",
    marker: "rebase-merge",
    finish: "git rebase --continue",
    abort: "git rebase --abort",
  },
  // rebase-apply/ is shared by `git am` and the apply backend of rebase; `applying` tells am apart.
  { what: "a git am", marker: "rebase-apply/applying", finish: "git am --continue", abort: "git am --abort" },
  {
    what: "a rebase",
    marker: "rebase-apply",
    finish: "git rebase --continue",
    abort: "git rebase --abort",
  },
  {
    what: "a cherry-pick",
    marker: "CHERRY_PICK_HEAD",
    finish: "git cherry-pick --continue",
    abort: "git cherry-pick --abort",
  },
  { what: "a revert", marker: "REVERT_HEAD", finish: "git revert --continue", abort: "git revert --abort" },
  {
    what: "a cherry-pick or revert sequence",
    marker: "sequencer",
    finish: "git cherry-pick --continue (or git revert --continue)",
    abort: "git cherry-pick --quit (or git revert --quit)",
  },
  { what: "a bisect", marker: "BISECT_LOG", finish: "git bisect reset", abort: "git bisect reset" },
];

/**
 * The unfinished operations in the work tree at `dir` (its own git dir: a linked worktree's
 * state is separate from the main checkout's). Several markers of one operation count once.
 */
export async function operationsInProgress(dir: string): Promise<Operation[]> {
  const found: Operation[] = [];
  for (const op of OPERATIONS) {
    if (found.some((f) => f.what === op.what || (op.marker === "rebase-apply" && f.what === "a git am")))
      continue;
    if (await pathExists(await gitPath(dir, op.marker))) found.push(op);
  }
  return found;
}

/** "a merge (MERGE_HEAD) is in progress — finish it (git commit) or abort it (git merge --abort)". */
export function describeOperations(ops: readonly Operation[], dir: string): string {
  const git = `git -C ${shellQuote(dir)}`;
  return ops
    .map(
      (op) =>
        `${op.what} is in progress (${op.marker}): finish it (${op.finish.replace(/git /g, `${git} `)}) or drop it (${op.abort.replace(/git /g, `${git} `)})`,
    )
    .join("; ");
}
