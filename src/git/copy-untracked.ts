import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import { pathExists } from "../util/files.js";
import { mkdirNoFollow } from "../util/no-follow.js";
import { git } from "./git.js";

/**
 * Copies the checkout's untracked files matching `patterns` (git pathspec globs: `.env*` is
 * top-level only, `**\/.env` anywhere) into a worktree that does not have them yet — files like
 * .env that the agent needs but git does not carry. Existing files are never overwritten.
 */
export async function copyUntracked(
  repoRoot: string,
  worktree: string,
  patterns: readonly string[],
): Promise<string[]> {
  if (patterns.length === 0) return [];
  const specs = patterns.map((p) => `:(glob)${p}`);
  const [ignored, plain] = await Promise.all([
    git(repoRoot, ["ls-files", "--others", "--ignored", "--exclude-standard", "-z", "--", ...specs]),
    git(repoRoot, ["ls-files", "--others", "--exclude-standard", "-z", "--", ...specs]),
  ]);
  const files = [...new Set([...ignored.split("\0"), ...plain.split("\0")].filter(Boolean))].sort();
  const copied: string[] = [];
  for (const rel of files) {
    const target = path.join(worktree, rel);
    if (await pathExists(target)) continue;
    // The worktree holds the agent's branch: a directory there may be a link to anywhere.
    await mkdirNoFollow(worktree, path.dirname(rel));
    // EXCL: never through a link at the target itself.
    await fsp.copyFile(path.join(repoRoot, rel), target, constants.COPYFILE_EXCL);
    const { mode } = await fsp.stat(path.join(repoRoot, rel));
    await fsp.chmod(target, mode & 0o7777);
    copied.push(rel);
  }
  return copied;
}
