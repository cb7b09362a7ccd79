import path from "node:path";
import { git, gitMaybe } from "./git.js";

export interface RepoInfo {
  /** Top of the working tree that contains the directory. */
  readonly toplevel: string;
  /** The directory's path relative to toplevel ("" at the top). */
  readonly subdir: string;
  /** Absolute common git dir (shared by all worktrees). */
  readonly commonDir: string;
  /** Absolute git dir of this working tree. */
  readonly gitDir: string;
  /** Current branch, or null when HEAD is detached. */
  readonly branch: string | null;
  /** HEAD commit, or null in a repository without commits. */
  readonly head: string | null;
  /** Absolute path of the repository's `info/exclude` (when it was learnt along the way). */
  readonly excludeFile?: string;
}

/** rev-parse's answers, in order: paths, the HEAD commit, then (symbolic mode) HEAD's ref. */
const FACTS = [
  "--show-toplevel",
  "--git-common-dir",
  "--git-dir",
  "--show-prefix",
  "--git-path",
  "info/exclude",
  "HEAD^{commit}",
  "--symbolic-full-name",
  "HEAD",
];

/**
 * Facts about the git working tree containing `dir`, or null when it is not in one. One
 * `git rev-parse` answers them all in the common case; a repository without commits (rev-parse
 * fails on HEAD) or a path with a newline in it takes the slower way, one question at a time.
 */
export async function repoInfo(dir: string): Promise<RepoInfo | null> {
  const out = await gitMaybe(dir, ["rev-parse", ...FACTS]);
  const lines = out?.replace(/\n$/, "").split("\n");
  if (lines?.length === 7) {
    const [toplevel = "", commonDir = "", gitDir = "", prefix = "", exclude = "", head = "", ref = ""] =
      lines;
    if (!toplevel || !/^[0-9a-f]{40,64}$/.test(head)) return repoInfoSlowly(dir);
    return {
      toplevel,
      subdir: prefix.replace(/\/$/, ""),
      commonDir: path.resolve(dir, commonDir),
      gitDir: path.resolve(dir, gitDir),
      excludeFile: path.resolve(dir, exclude),
      // "HEAD" when detached.
      branch: ref.startsWith("refs/") ? ref.replace(/^refs\/heads\//, "") : null,
      head,
    };
  }
  return repoInfoSlowly(dir);
}

async function repoInfoSlowly(dir: string): Promise<RepoInfo | null> {
  const out = await gitMaybe(dir, [
    "rev-parse",
    "--show-toplevel",
    "--git-common-dir",
    "--git-dir",
    "--show-prefix",
  ]);
  if (out === undefined) return null;
  let lines = out.replace(/\n$/, "").split("\n");
  if (lines.length !== 4) {
    // A path with a newline in it: ask for each value on its own (git ends each with one newline).
    const one = async (flag: string) => ((await gitMaybe(dir, ["rev-parse", flag])) ?? "").replace(/\n$/, "");
    lines = await Promise.all(["--show-toplevel", "--git-common-dir", "--git-dir", "--show-prefix"].map(one));
  }
  const [toplevel = "", commonDir = "", gitDir = "", prefix = ""] = lines;
  if (!toplevel) return null;
  const branchRef = await gitMaybe(dir, ["symbolic-ref", "-q", "HEAD"]);
  const head = await gitMaybe(dir, ["rev-parse", "-q", "--verify", "HEAD^{commit}"]);
  return {
    toplevel,
    subdir: prefix.replace(/\/$/, ""),
    commonDir: path.resolve(dir, commonDir),
    gitDir: path.resolve(dir, gitDir),
    branch: branchRef?.replace(/\n$/, "").replace(/^refs\/heads\//, "") || null,
    head: head?.trim() || null,
  };
}

export async function revParse(dir: string, rev: string): Promise<string | null> {
  const out = await gitMaybe(dir, ["rev-parse", "-q", "--verify", `${rev}^{commit}`]);
  return out?.trim() || null;
}

export async function mergeBase(dir: string, a: string, b: string): Promise<string | null> {
  const out = await gitMaybe(dir, ["merge-base", a, b]);
  return out?.trim() || null;
}

export async function branchExists(dir: string, branch: string): Promise<boolean> {
  return (await gitMaybe(dir, ["show-ref", "--verify", "--quiet", `refs/heads/${branch}`])) !== undefined;
}

export async function countCommits(dir: string, range: string): Promise<number> {
  const out = await git(dir, ["rev-list", "--count", range]);
  return Number(out.trim()) || 0;
}

/**
 * Whether `dir` is a git directory rather than a work tree: a bare repository, or inside a
 * `.git` directory (its hooks/, a worktree's or a submodule's git dir). No task belongs there.
 */
export async function insideGitDir(dir: string): Promise<"bare repository" | "git directory" | null> {
  const out = await gitMaybe(dir, ["rev-parse", "--is-inside-git-dir", "--is-bare-repository"]);
  if (!out) return null;
  const [inside, bare] = out.split("\n");
  if (bare === "true") return "bare repository";
  return inside === "true" ? "git directory" : null;
}
