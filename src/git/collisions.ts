import { promises as fsp } from "node:fs";
import path from "node:path";
import { git, gitMaybe } from "./git.js";

/**
 * What a checkout would lose if git moved it from `fromTree` (its HEAD) to `toTree` (a merge
 * result): git treats ignored files as expendable and overwrites them, and it does not see local
 * edits of files marked assume-unchanged or skip-worktree. Checked before anything changes.
 */
export interface Collisions {
  /** Untracked or ignored files (or directories holding them) where the merge writes. */
  readonly overwritten: readonly string[];
  /** Files with local edits git is told to ignore (assume-unchanged, skip-worktree) that the merge changes. */
  readonly hidden: readonly string[];
}

function nul(out: string): string[] {
  return out.split("\0").filter(Boolean);
}

async function lstat(file: string) {
  return fsp.lstat(file).catch(() => null);
}

/** Untracked and ignored files under a directory of the checkout. */
async function untrackedUnder(repo: string, dir: string): Promise<string[]> {
  const spec = `:(literal)${dir}/`;
  const [plain, ignored] = await Promise.all([
    git(repo, ["ls-files", "-z", "--others", "--", spec]),
    git(repo, ["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--", spec]),
  ]);
  return [...new Set([...nul(plain), ...nul(ignored)])];
}

async function overwritten(repo: string, fromTree: string, toTree: string): Promise<string[]> {
  const added = nul(
    await git(repo, [
      "diff-tree",
      "-r",
      "-z",
      "--no-renames",
      "--name-only",
      "--diff-filter=A",
      fromTree,
      toTree,
    ]),
  );
  if (added.length === 0) return [];
  const tracked = new Set(
    nul(await git(repo, ["ls-tree", "-r", "-z", "--name-only", "--full-tree", fromTree])),
  );
  const ignoreCase = (await gitMaybe(repo, ["config", "--bool", "core.ignorecase"]))?.trim() === "true";
  const trackedLower = ignoreCase ? new Set([...tracked].map((p) => p.toLowerCase())) : undefined;
  const hits = new Set<string>();
  const checkedDirs = new Set<string>();
  for (const rel of added) {
    // A file or link where the merge needs a directory is replaced by git (ignored ones silently).
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join("/");
      if (checkedDirs.has(prefix)) continue;
      checkedDirs.add(prefix);
      const st = await lstat(path.join(repo, prefix));
      if (st && !st.isDirectory() && !tracked.has(prefix)) hits.add(prefix);
    }
    const st = await lstat(path.join(repo, rel));
    if (!st) continue;
    if (st.isDirectory()) {
      // A file replacing a directory: what git does not track in it would go.
      for (const f of await untrackedUnder(repo, rel)) hits.add(f);
      continue;
    }
    // On a case-insensitive file system a case-only rename finds the tracked file itself.
    if (trackedLower?.has(rel.toLowerCase())) continue;
    hits.add(rel);
  }
  return [...hits].sort();
}

/** Files whose local edits git hides (assume-unchanged, or skip-worktree yet present) and that differ from the index. */
async function hiddenEdits(repo: string, changed: ReadonlySet<string>): Promise<string[]> {
  const tagged = nul(await git(repo, ["ls-files", "-v", "-z"]));
  const suspects: string[] = [];
  for (const entry of tagged) {
    const tag = entry.slice(0, 1);
    const rel = entry.slice(2);
    if (!changed.has(rel)) continue;
    if (tag === "S" || (tag >= "a" && tag <= "z")) suspects.push(rel);
  }
  const found: string[] = [];
  for (const rel of suspects) {
    if (!(await lstat(path.join(repo, rel)))) continue; // sparse: not checked out, nothing to lose
    const staged = (await git(repo, ["ls-files", "-s", "-z", "--", `:(literal)${rel}`])).split(" ")[1];
    const onDisk = (await gitMaybe(repo, ["hash-object", "--no-filters", "--", rel]))?.trim();
    if (staged !== onDisk) found.push(rel);
  }
  return found;
}

export async function workTreeCollisions(
  repo: string,
  fromTree: string,
  toTree: string,
): Promise<Collisions> {
  const changed = new Set(
    nul(await git(repo, ["diff-tree", "-r", "-z", "--no-renames", "--name-only", fromTree, toTree])),
  );
  return {
    overwritten: await overwritten(repo, fromTree, toTree),
    hidden: await hiddenEdits(repo, changed),
  };
}
