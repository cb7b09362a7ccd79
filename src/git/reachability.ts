import { promises as fsp } from "node:fs";
import path from "node:path";
import { canonicalPath } from "../util/canonical-path.js";
import { git, gitMaybe } from "./git.js";
import { listWorktrees } from "./worktree-list.js";

/** A commit something pointed at, and what pointed at it (for reports). */
export interface Tip {
  readonly sha: string;
  readonly what: string;
}

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const ZERO = /^0+$/;

/** Absolute path of `name` inside the git dir of the work tree at `dir` (per-worktree aware). */
export async function gitPath(dir: string, name: string): Promise<string> {
  return path.resolve(dir, (await git(dir, ["rev-parse", "--git-path", name])).trim());
}

/** Every commit a reflog file names (old and new values), oldest first. A missing log gives []. */
export async function reflogShas(file: string): Promise<string[]> {
  const text = await fsp.readFile(file, "utf8").catch(() => "");
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const [oldSha = "", newSha = ""] = line.split(" ", 2);
    for (const sha of [oldSha, newSha]) if (SHA.test(sha) && !ZERO.test(sha)) out.push(sha);
  }
  return out;
}

/** Object ids written at the start of the lines of a small state file (HEAD-like files, todo lists). */
async function shasInFile(file: string): Promise<string[]> {
  const st = await fsp.lstat(file).catch(() => null);
  if (!st?.isFile() || st.size > 1024 * 1024) return [];
  const text = await fsp.readFile(file, "utf8").catch(() => "");
  const found: string[] = [];
  for (const line of text.split("\n")) {
    for (const word of line.trim().split(/\s+/).slice(0, 3)) if (SHA.test(word)) found.push(word);
  }
  return found;
}

/**
 * State files in a work tree's own git dir that name commits: ORIG_HEAD, MERGE_HEAD,
 * CHERRY_PICK_HEAD, REVERT_HEAD, REBASE_HEAD, FETCH_HEAD, BISECT_*, and everything under
 * rebase-merge/, rebase-apply/ and sequencer/ (orig-head, onto, todo lists).
 */
export async function stateFileTips(worktreeGitDir: string): Promise<Tip[]> {
  const tips: Tip[] = [];
  const names = await fsp.readdir(worktreeGitDir).catch(() => [] as string[]);
  for (const name of names) {
    if (/^[A-Z_]+$/.test(name) && name !== "HEAD") {
      for (const sha of await shasInFile(path.join(worktreeGitDir, name))) tips.push({ sha, what: name });
    }
  }
  for (const sub of ["rebase-merge", "rebase-apply", "sequencer"]) {
    const dir = path.join(worktreeGitDir, sub);
    for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
      for (const sha of await shasInFile(path.join(dir, name))) tips.push({ sha, what: `${sub}/${name}` });
    }
  }
  return tips;
}

/** Keeps only the tips that name commits in `repo` (state files may name trees or vanished objects). */
export async function existingCommits(repo: string, tips: readonly Tip[]): Promise<Tip[]> {
  const out: Tip[] = [];
  const seen = new Set<string>();
  for (const tip of tips) {
    if (seen.has(tip.sha)) continue;
    seen.add(tip.sha);
    const type = await gitMaybe(repo, ["cat-file", "-t", tip.sha]);
    if (type?.trim() === "commit") out.push(tip);
  }
  return out;
}

/**
 * What stays after an operation, as rev-list arguments: e.g. every ref but the branch about to be
 * deleted (`--exclude=refs/heads/x --glob=*`; `--glob=*` lists refs only, not the HEADs of work
 * trees) plus the HEADs of the work trees that stay; or `--remotes` for a nested repository.
 */
export type KeptSet = readonly string[];

export function allRefsBut(dropRefs: readonly string[], extraKept: readonly string[] = []): KeptSet {
  return [...dropRefs.map((r) => `--exclude=${r}`), "--glob=*", ...extraKept];
}

/**
 * The commits reachable from `tips` that nothing in `kept` reaches: the work that would be lost.
 * Returns how many there are and the tips that lead to them, reduced to independent ones (no tip
 * an ancestor of another), which are all a save needs.
 */
export async function commitsAtRisk(
  repo: string,
  tips: readonly Tip[],
  kept: KeptSet,
): Promise<{ commits: number; tips: Tip[] }> {
  const live = await existingCommits(repo, tips);
  if (live.length === 0) return { commits: 0, tips: [] };
  const lost = new Set(
    (await git(repo, ["rev-list", ...new Set(live.map((t) => t.sha)), "--not", ...kept]))
      .split("\n")
      .filter(Boolean),
  );
  const risky = live.filter((t) => lost.has(t.sha));
  if (risky.length <= 1) return { commits: lost.size, tips: risky };
  const independent = new Set(
    (await git(repo, ["merge-base", "--independent", ...risky.map((t) => t.sha)]))
      .split("\n")
      .filter(Boolean),
  );
  return { commits: lost.size, tips: risky.filter((t) => independent.has(t.sha)) };
}

/** The HEAD commits of every work tree of the repository except `exclude` (canonical paths). */
export async function otherWorktreeHeads(repo: string, exclude: string): Promise<string[]> {
  const skip = await canonicalPath(exclude);
  const heads: string[] = [];
  for (const wt of await listWorktrees(repo)) {
    if (wt.head && SHA.test(wt.head) && (await canonicalPath(wt.dir)) !== skip) heads.push(wt.head);
  }
  return heads;
}

/** Every commit named in the reflogs under `logsDir` (a git dir's `logs/`), walked recursively. */
export async function reflogTipsUnder(logsDir: string, what: string): Promise<Tip[]> {
  const tips: Tip[] = [];
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    if (depth > 10) return;
    for (const entry of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const child = path.join(dir, entry.name);
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(child, name, depth + 1);
      else if (entry.isFile())
        for (const sha of await reflogShas(child)) tips.push({ sha, what: `${what} ${name}` });
    }
  };
  await walk(logsDir, "", 0);
  return tips;
}
