import type { AuditViolation } from "./audit.js";
import type { SnapshotChange } from "./snapshot.js";

/**
 * Which workspace changes the agent's own events explain. A read-only task runs in the user's
 * checkout, and the user keeps working there: a commit, an edit, a new file made meanwhile shows
 * up in the after-snapshot too. Only what the events explain is the agent's (reported as a
 * violation, restored in restore mode); the rest is reported as "changed during the task, not
 * attributed" and never touched.
 *
 * A change is explained by
 * - a finding that names its path, or a directory above it (`rm -rf dir`, `tar -C dir`);
 * - for files: a git command that rewrites the work tree (stash, checkout, reset, merge, clean, …),
 *   or, for a file that changed with HEAD, a git command that moves HEAD;
 * - for HEAD, refs, the stash and the index: a git command that changes that area.
 * A finding without a path ("npm installs dependencies", a script) explains nothing by itself:
 * it is reported, but what it might have touched is not guessed at.
 */
export interface Attribution {
  readonly attributed: SnapshotChange[];
  readonly unattributed: SnapshotChange[];
}

const WORK_TREE = new Set(
  "stash checkout switch restore reset merge rebase pull cherry-pick revert am apply clean rm mv checkout-index bisect sparse-checkout submodule worktree clone init".split(
    " ",
  ),
);
const HEAD_AND_REFS = new Set(
  "commit reset checkout switch merge rebase pull cherry-pick revert am branch tag update-ref symbolic-ref bisect fetch push notes replace filter-branch pack-refs worktree clone init remote".split(
    " ",
  ),
);
const INDEX = new Set(
  "add rm mv update-index read-tree reset stash checkout restore merge rebase pull cherry-pick revert am apply commit switch checkout-index sparse-checkout bisect submodule".split(
    " ",
  ),
);

/** The git subcommand a finding is about ("git stash changes the stash" → "stash"). */
function gitSubcommand(v: AuditViolation): string | undefined {
  if (v.kind !== "git") return undefined;
  return /^git ([a-z][a-z-]*)/.exec(v.detail)?.[1] ?? "";
}

function under(file: string, dir: string): boolean {
  return dir === "." || file === dir || file.startsWith(`${dir.replace(/\/+$/, "")}/`);
}

export function attributeChanges(
  changes: readonly SnapshotChange[],
  findings: readonly AuditViolation[],
): Attribution {
  const events = findings.filter((f) => f.source === "event");
  const subs = events.map(gitSubcommand).filter((s): s is string => s !== undefined);
  const anyOf = (set: ReadonlySet<string>) => subs.some((s) => set.has(s));
  const paths = events.map((f) => f.path).filter((p): p is string => typeof p === "string" && p !== "");
  const explains = (c: SnapshotChange): boolean => {
    switch (c.kind) {
      case "git-stash":
        return subs.includes("stash");
      case "git-head":
      case "git-ref":
        return anyOf(HEAD_AND_REFS);
      case "git-index":
        return anyOf(INDEX);
      default:
        // A file that changed with HEAD is explained by whoever moved HEAD.
        if (c.viaCommit ? anyOf(HEAD_AND_REFS) : anyOf(WORK_TREE)) return true;
        return c.path !== undefined && paths.some((p) => under(c.path as string, p));
    }
  };
  const attributed: SnapshotChange[] = [];
  const unattributed: SnapshotChange[] = [];
  for (const c of changes) (explains(c) ? attributed : unattributed).push(c);
  return { attributed, unattributed };
}
