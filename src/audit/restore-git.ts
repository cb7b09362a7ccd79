import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { git, gitMaybe } from "../git/git.js";
import { errorMessage } from "../util/errors.js";
import type { RestoreReport } from "./audit.js";
import { diffSnapshots, type GitSnapshot, type SnapshotChange, takeSnapshot } from "./snapshot.js";

/** Taken before the run: enough to put a git work tree back exactly. */
export interface GitRestorePoint {
  /** A tree object of the whole work tree (tracked + untracked, not ignored) as it was. */
  readonly tree: string;
  /** A copy of the real index file. */
  readonly indexCopy: string;
}

export const VIOLATIONS_REF_PREFIX = "refs/codexmcp/readonly-violations/";

async function indexPath(root: string): Promise<string> {
  return path.resolve(root, (await git(root, ["rev-parse", "--git-path", "index"])).trim());
}

/** A tree object of the work tree as it is now, built in a throwaway index. */
async function treeOfWorkTree(root: string): Promise<string> {
  const tmp = path.join(os.tmpdir(), `codexmcp-tree-${process.pid}-${randomBytes(6).toString("hex")}`);
  try {
    await fsp.copyFile(await indexPath(root), tmp).catch(() => undefined);
    const env = { GIT_INDEX_FILE: tmp };
    await git(root, ["add", "--all", "--", "."], env);
    return (await git(root, ["write-tree"], env)).trim();
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

export async function prepareGitRestore(root: string, stateDir: string): Promise<GitRestorePoint> {
  await fsp.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const indexCopy = path.join(stateDir, "index.before");
  await fsp.copyFile(await indexPath(root), indexCopy).catch(() => fsp.writeFile(indexCopy, ""));
  return { tree: await treeOfWorkTree(root), indexCopy };
}

function refSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9/_.-]/g, "_").replace(/\.\./g, "_");
}

/**
 * Puts the work tree, index, HEAD, refs and stash back as they were, after saving everything
 * the agent changed under refs/codexmcp/readonly-violations/<task> (its work tree as a commit,
 * and every ref it created or moved), so nothing the agent did is lost.
 */
export async function restoreGit(input: {
  readonly taskId: string;
  readonly before: GitSnapshot;
  readonly after: GitSnapshot;
  readonly point: GitRestorePoint;
  readonly changes: readonly SnapshotChange[];
  readonly stateDir: string;
}): Promise<RestoreReport> {
  const { before, after, point, taskId } = input;
  const root = before.root;
  // One namespace per run: a later run of the same topic never overwrites what this one kept.
  const base = `${VIOLATIONS_REF_PREFIX}${taskId}/${new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}`;
  const savedRef = `${base}/worktree`;
  const errors: string[] = [];
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      errors.push(`${what}: ${errorMessage(err).trim()}`);
    }
  };

  // 1. Keep what the agent did.
  let saved = false;
  await step("saving the agent's work tree", async () => {
    const tree = await treeOfWorkTree(root);
    const parent = after.head ?? before.head;
    const args = [
      "commit-tree",
      tree,
      ...(parent ? ["-p", parent] : []),
      "-m",
      `codexmcp: work tree left by read-only task ${taskId}`,
    ];
    const commit = (await git(root, args)).trim();
    await git(root, ["update-ref", savedRef, commit]);
    saved = true;
  });
  // Only what is the agent's: refs, HEAD, the stash and the index are touched when the agent's
  // events explain their change (input.changes holds the attributed changes only).
  const kinds = new Set(input.changes.map((c) => c.kind));
  const refsChanged = new Set(input.changes.filter((c) => c.kind === "git-ref").map((c) => c.path));
  for (const [name, sha] of Object.entries(after.refs)) {
    if (before.refs[name] === sha || name.startsWith("refs/codexmcp/") || name === "refs/stash") continue;
    if (!refsChanged.has(name)) continue;
    await step(`keeping ${name}`, () =>
      git(root, ["update-ref", `${base}/refs/${refSafe(name.replace(/^refs\//, ""))}`, sha]),
    );
  }
  const stashBefore = new Set(before.stash.map((s) => s.sha));
  for (const [i, entry] of after.stash.entries()) {
    if (kinds.has("git-stash") && !stashBefore.has(entry.sha))
      await step(`keeping stash entry ${i}`, () =>
        git(root, ["update-ref", `${base}/stash/${i}`, entry.sha]),
      );
  }
  if (!saved) {
    return {
      restored: false,
      verified: false,
      saved_to: input.stateDir,
      how_to_recover:
        "Nothing was restored because the agent's changes could not be saved first; the workspace is as the agent left it.",
      errors,
    };
  }

  // 2. Refs and HEAD.
  for (const name of new Set([...Object.keys(before.refs), ...Object.keys(after.refs)])) {
    if (name.startsWith("refs/codexmcp/") || name === "refs/stash" || !refsChanged.has(name)) continue;
    const want = before.refs[name];
    if (want === after.refs[name]) continue;
    await step(`restoring ${name}`, () =>
      want ? git(root, ["update-ref", name, want]) : git(root, ["update-ref", "-d", name]),
    );
  }
  if (!kinds.has("git-head")) {
    // HEAD moved by someone else (or not at all): left alone.
  } else if (before.headRef && before.headRef !== after.headRef)
    await step("restoring HEAD", () => git(root, ["symbolic-ref", "HEAD", before.headRef as string]));
  else if (!before.headRef && before.head && before.head !== after.head) {
    await step("restoring HEAD", () =>
      git(root, ["update-ref", "--no-deref", "HEAD", before.head as string]),
    );
  }

  // 3. The stash, entry by entry, oldest first.
  if (
    kinds.has("git-stash") &&
    before.stash.map((s) => s.sha).join() !== after.stash.map((s) => s.sha).join()
  ) {
    await step("restoring the stash", async () => {
      await gitMaybe(root, ["update-ref", "-d", "refs/stash"]);
      for (const entry of [...before.stash].reverse())
        await git(root, ["stash", "store", "-m", entry.message, entry.sha]);
    });
  }

  // 4. Files: every path the agent's events explain, back from the tree saved before the run
  // (files the agent committed included); paths it created removed.
  const paths = [
    ...new Set(
      input.changes
        .filter((c) => c.path && ["created", "modified", "deleted"].includes(c.kind))
        .map((c) => c.path as string),
    ),
  ];
  if (paths.length > 0) {
    await step("restoring files", async () => {
      const listed = await git(root, ["ls-tree", "-r", "-z", "--name-only", point.tree, "--", ...paths]);
      const inTree = new Set(listed.split("\0").filter(Boolean));
      const tmp = path.join(os.tmpdir(), `codexmcp-restore-${process.pid}-${randomBytes(6).toString("hex")}`);
      try {
        const env = { GIT_INDEX_FILE: tmp };
        await git(root, ["read-tree", point.tree], env);
        const restore = paths.filter((p) => inTree.has(p));
        for (let i = 0; i < restore.length; i += 200) {
          await git(root, ["checkout-index", "-f", "-q", "--", ...restore.slice(i, i + 200)], env);
        }
      } finally {
        await fsp.rm(tmp, { force: true });
      }
      for (const p of paths.filter((p) => !inTree.has(p)))
        await fsp.rm(path.join(root, p), { force: true, recursive: true });
    });
  }

  // 5. The index: the entries of the paths the agent touched, as they were (entries of other
  // paths may be the user's own staging meanwhile, and stay).
  if (kinds.has("git-index") && paths.length > 0)
    await step("restoring the index", () => restoreIndexEntries(root, point.indexCopy, paths));

  // 6. Check what was restored (changes not attributed to the agent stay, by design).
  const now = await takeSnapshot(root);
  const keyOf = (c: SnapshotChange) =>
    `${c.kind === "git-ref" || c.path === undefined ? c.kind : "file"}:${c.path ?? ""}`;
  const restoredKeys = new Set(input.changes.filter((c) => c.kind !== "git-index").map(keyOf));
  const remaining = diffSnapshots(before, now)
    .filter((c) => !(c.kind === "git-ref" && c.path?.startsWith("refs/codexmcp/")))
    .filter((c) => restoredKeys.has(keyOf(c)))
    .map((c) => c.detail);
  if (kinds.has("git-index") && paths.length > 0) {
    const [was, is] = await Promise.all([
      stagedEntries(root, paths, point.indexCopy),
      stagedEntries(root, paths),
    ]);
    if (was !== is) remaining.push("the index entries of the restored paths differ from before");
  }
  return {
    restored: errors.length === 0,
    verified: remaining.length === 0,
    saved_to: input.stateDir,
    saved_ref: savedRef,
    how_to_recover: `The agent's work tree is commit ${savedRef}: \`git diff HEAD ${savedRef}\` shows it, \`git checkout ${savedRef} -- <path>\` takes a file back; refs it created or moved are kept under ${base}/refs/ and new stash entries under ${base}/stash/.`,
    ...(remaining.length > 0 ? { remaining } : {}),
    ...(errors.length > 0 ? { errors } : {}),
  };
}

/** `git ls-files --stage` of `paths`, in the real index or another index file. */
async function stagedEntries(root: string, paths: readonly string[], indexFile?: string): Promise<string> {
  const env = indexFile ? { GIT_INDEX_FILE: indexFile } : undefined;
  const out: string[] = [];
  for (let i = 0; i < paths.length; i += 200) {
    const chunk = paths.slice(i, i + 200).map((p) => `:(literal)${p}`);
    out.push(await git(root, ["ls-files", "--stage", "-z", "--", ...chunk], env));
  }
  return out.join("");
}

/** Puts the index entries of `paths` back as they are in the saved index (absent ones removed). */
async function restoreIndexEntries(root: string, indexCopy: string, paths: readonly string[]): Promise<void> {
  const before = new Map<string, string>();
  for (const entry of (await stagedEntries(root, paths, indexCopy)).split("\0").filter(Boolean)) {
    const tab = entry.indexOf("\t");
    before.set(entry.slice(tab + 1), entry.slice(0, tab));
  }
  const gone = paths.filter((p) => !before.has(p));
  if (gone.length > 0) await git(root, ["update-index", "--force-remove", "--", ...gone]);
  // Stage-0 entries as they were (the 3-argument --cacheinfo takes any path, commas included).
  const args = [...before]
    .filter(([, info]) => info.endsWith(" 0"))
    .flatMap(([p, info]) => {
      const [mode = "", sha = ""] = info.split(" ");
      return ["--cacheinfo", mode, sha, p];
    });
  for (let i = 0; i < args.length; i += 800)
    await git(root, ["update-index", "--add", ...args.slice(i, i + 800)]);
}
