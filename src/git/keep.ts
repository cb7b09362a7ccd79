import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { git, gitMaybe } from "./git.js";
import type { Tip } from "./reachability.js";

/**
 * Saving work under `refs/codexmcp/…` before something is removed: commits by ref, uncommitted
 * work as commits (the index, then the work tree on top, as `git stash` does), commits of a
 * nested repository fetched into one that stays, ignored files in a tar archive.
 */
export const KEPT_PREFIX = "refs/codexmcp/kept";

export function refSafe(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9/_.-]/g, "_")
    .replace(/\.\.+/g, "_")
    .replace(/\/\/+/g, "/")
    .replace(/(^|\/)\./g, "$1_")
    .replace(/\.lock(\/|$)/g, "_lock$1")
    .replace(/^\/|\/$/g, "");
  return cleaned || "_";
}

export function stamp(date = new Date()): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/** A fresh namespace `refs/codexmcp/kept/<stem>/<time>` in `repo` (a suffix when the second is taken). */
export async function keptNamespace(repo: string, stem: string, date = new Date()): Promise<string> {
  const base = `${KEPT_PREFIX}/${refSafe(stem)}/${stamp(date)}`;
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    const taken = await git(repo, [
      "for-each-ref",
      "--count=1",
      "--format=%(refname)",
      candidate,
      `${candidate}/`,
    ]);
    if (!taken.trim()) return candidate;
  }
}

/** Creates `ref` at `sha`; never moves an existing ref. */
export async function createRef(repo: string, ref: string, sha: string): Promise<void> {
  await git(repo, ["update-ref", "-m", "codexmcp: kept", ref, sha, ""]);
}

/** Identity for commits codexmcp makes when git has none configured (commit-tree needs one). */
async function identityEnv(dir: string): Promise<Record<string, string> | undefined> {
  if ((await gitMaybe(dir, ["var", "GIT_COMMITTER_IDENT"])) !== undefined) return undefined;
  return {
    GIT_AUTHOR_NAME: "codexmcp",
    GIT_AUTHOR_EMAIL: "codexmcp@localhost",
    GIT_COMMITTER_NAME: "codexmcp",
    GIT_COMMITTER_EMAIL: "codexmcp@localhost",
  };
}

export async function commitTree(
  dir: string,
  tree: string,
  parents: readonly string[],
  message: string,
): Promise<string> {
  const args = ["commit-tree", tree, ...parents.flatMap((p) => ["-p", p]), "-m", message];
  return (await git(dir, args, await identityEnv(dir))).trim();
}

/**
 * The work tree's uncommitted state as commits, touching neither its index nor its files: an
 * index commit (what was staged; skipped while conflicts are unresolved) and on top a work-tree
 * commit with every tracked and untracked, non-ignored file. `exclude` leaves nested
 * repositories out (they are saved on their own). Returns the work-tree commit.
 */
export async function commitUncommitted(
  workTree: string,
  exclude: readonly string[],
  message: string,
): Promise<string> {
  const tmp = path.join(os.tmpdir(), `codexmcp-keep-${process.pid}-${randomBytes(6).toString("hex")}`);
  try {
    const index = path.resolve(workTree, (await git(workTree, ["rev-parse", "--git-path", "index"])).trim());
    const hasIndex = await fsp
      .copyFile(index, tmp)
      .then(() => true)
      .catch(() => false);
    const env = { GIT_INDEX_FILE: tmp };
    const head = (await gitMaybe(workTree, ["rev-parse", "-q", "--verify", "HEAD^{commit}"]))?.trim();
    const parents = head ? [head] : [];
    let indexCommit: string | undefined;
    if (hasIndex) {
      try {
        const tree = (await git(workTree, ["write-tree"], env)).trim();
        indexCommit = await commitTree(workTree, tree, parents, `index of ${message}`);
      } catch {
        // unresolved conflicts: the work-tree commit below still has every file
      }
    }
    const specs = [".", ...exclude.map((p) => `:(exclude,literal)${p}`)];
    await git(workTree, ["add", "--all", "--", ...specs], env);
    const tree = (await git(workTree, ["write-tree"], env)).trim();
    return commitTree(workTree, tree, [...parents, ...(indexCommit ? [indexCommit] : [])], message);
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

/**
 * Copies commits of the repository at `fromGitDir` into `toRepo` under `refs` (one per tip), by a
 * local fetch: nothing is pushed, no hook of either side runs for it.
 */
export async function fetchCommits(
  toRepo: string,
  fromGitDir: string,
  tips: readonly { sha: string; ref: string }[],
): Promise<void> {
  if (tips.length === 0) return;
  // The hardened git allows no transport; a local path is the one this fetch needs. The
  // upload-pack program is pinned so no `remote.<path>.uploadpack` config can choose it.
  await git(toRepo, [
    "-c",
    "protocol.version=2",
    "-c",
    "protocol.file.allow=always",
    "-c",
    `remote.${fromGitDir}.uploadpack=git-upload-pack`,
    "fetch",
    "--quiet",
    "--no-tags",
    "--no-write-fetch-head",
    "--no-auto-gc",
    fromGitDir,
    ...tips.map((t) => `${t.sha}:${t.ref}`),
  ]);
}

/** Saves tips as refs `<namespace>/<label>-<n>` in `repo`; returns the refs made. */
export async function keepTips(
  repo: string,
  namespace: string,
  label: string,
  tips: readonly Tip[],
): Promise<string[]> {
  const refs: string[] = [];
  for (const [i, tip] of tips.entries()) {
    const ref = `${namespace}/${refSafe(label)}${tips.length > 1 ? `-${i + 1}` : ""}`;
    await createRef(repo, ref, tip.sha);
    refs.push(ref);
  }
  return refs;
}

/**
 * Archives `entries` (files, or directories with a trailing slash, relative to `root`) into the
 * tar file `archive`, symlinks as symlinks. Returns the archive's size in bytes.
 */
export async function archiveEntries(
  root: string,
  entries: readonly string[],
  archive: string,
): Promise<number> {
  await fsp.mkdir(path.dirname(archive), { recursive: true, mode: 0o700 });
  const { execa } = await import("execa");
  const list = entries.map((e) => e.replace(/\/$/, "")).join("\0");
  await execa("tar", ["-c", "-f", archive, "-C", root, "--null", "-T", "-"], { input: `${list}\0` });
  await fsp.chmod(archive, 0o600);
  return (await fsp.stat(archive)).size;
}
