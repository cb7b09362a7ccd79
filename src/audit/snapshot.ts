import { promises as fsp } from "node:fs";
import path from "node:path";
import { git, gitMaybe } from "../git/git.js";
import { gitlinkPaths } from "../git/harden.js";
import { type FileFingerprint, fingerprint, HashBudget, sha256 } from "./hash.js";

/** Names that never count as workspace changes: codexmcp's own task links. */
export const IGNORED_TOP_LEVEL = new Set([".codex-tasks"]);

export interface GitSnapshot {
  readonly kind: "git";
  readonly root: string;
  readonly head: string | null;
  /** The branch HEAD points to (null: detached). */
  readonly headRef: string | null;
  readonly refs: Readonly<Record<string, string>>;
  /** Stash entries, newest first, with their reflog messages. */
  readonly stash: readonly { sha: string; message: string }[];
  /** Hash of `git ls-files --stage`: what is staged, not when the index was last touched. */
  readonly indexHash: string;
  /** Every path git reports as changed or untracked, with its porcelain code and content fingerprint. */
  readonly dirty: Readonly<Record<string, { readonly code: string; readonly print: FileFingerprint }>>;
}

export interface WalkSnapshot {
  readonly kind: "walk";
  readonly root: string;
  readonly entries: Readonly<Record<string, WalkEntry>>;
  /** The walk stopped at its bound; changes beyond it are not seen. */
  readonly truncated: boolean;
}

export interface WalkEntry {
  readonly type: "f" | "d" | "l" | "o";
  readonly size: number;
  readonly mtimeMs: number;
  readonly mode: number;
}

export type WorkspaceSnapshot = GitSnapshot | WalkSnapshot;

export const WALK_LIMIT = 50_000;

/** Paths from `git status --porcelain=v2 -z` with their XY code ("??" for untracked). */
export function parsePorcelainV2(out: string): Map<string, string> {
  const paths = new Map<string, string>();
  const fields = out.split("\0");
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] ?? "";
    if (f.startsWith("? ")) paths.set(f.slice(2), "??");
    else if (f.startsWith("1 ")) {
      const parts = f.split(" ");
      paths.set(parts.slice(8).join(" "), parts[1] ?? "..");
    } else if (f.startsWith("2 ")) {
      const parts = f.split(" ");
      paths.set(parts.slice(9).join(" "), parts[1] ?? "..");
      const orig = fields[i + 1];
      if (orig) paths.set(orig, "D.");
      i++;
    } else if (f.startsWith("u ")) {
      const parts = f.split(" ");
      paths.set(parts.slice(10).join(" "), parts[1] ?? "UU");
    }
  }
  return paths;
}

/**
 * Changed paths inside nested repositories, as `<sub>/<path>`. Git would find them by running
 * `git status` inside each one with that repository's own config; codexmcp asks each one
 * itself, with its git hardened there too (git.ts), a few levels deep.
 */
async function nestedChanges(root: string, stage: string, depth = 0): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (depth >= 3) return found;
  for (const sub of gitlinkPaths(stage)) {
    const dir = path.join(root, sub);
    if (!(await fsp.lstat(path.join(dir, ".git")).catch(() => null))) continue;
    const [status, inner] = await Promise.all([
      gitMaybe(dir, ["status", "--porcelain=v2", "-z", "--untracked-files=all"]),
      gitMaybe(dir, ["ls-files", "--stage", "-z"]),
    ]);
    for (const [rel, code] of parsePorcelainV2(status ?? "")) found.set(`${sub}/${rel}`, code);
    for (const [rel, code] of await nestedChanges(dir, inner ?? "", depth + 1))
      found.set(`${sub}/${rel}`, code);
  }
  return found;
}

async function gitSnapshot(root: string): Promise<GitSnapshot> {
  const [headRef, head, refsOut, stashOut, stage, status] = await Promise.all([
    gitMaybe(root, ["symbolic-ref", "-q", "HEAD"]),
    gitMaybe(root, ["rev-parse", "-q", "--verify", "HEAD"]),
    git(root, ["for-each-ref", "--format=%(refname)%00%(objectname)"]),
    gitMaybe(root, ["log", "-g", "--format=%H%x00%gs", "refs/stash", "--"]),
    git(root, ["ls-files", "--stage", "-z"]),
    git(root, ["status", "--porcelain=v2", "-z", "--untracked-files=all"]),
  ]);
  const refs: Record<string, string> = {};
  for (const line of refsOut.split("\n")) {
    const [name, sha] = line.split("\0");
    if (name && sha) refs[name] = sha;
  }
  const stash = (stashOut ?? "")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [sha = "", message = ""] = line.split("\0");
      return { sha, message };
    });
  const dirty: Record<string, { code: string; print: FileFingerprint }> = {};
  const budget = new HashBudget();
  const changed = new Map([...parsePorcelainV2(status), ...(await nestedChanges(root, stage))]);
  for (const [rel, code] of changed) {
    if (IGNORED_TOP_LEVEL.has(rel.split("/")[0] ?? "")) continue;
    dirty[rel] = { code, print: await fingerprint(path.join(root, rel), budget) };
  }
  return {
    kind: "git",
    root,
    head: head?.trim() || null,
    headRef: headRef?.trim() || null,
    refs,
    stash,
    indexHash: sha256(stage),
    dirty,
  };
}

async function walkSnapshot(root: string, limit: number): Promise<WalkSnapshot> {
  const entries: Record<string, WalkEntry> = {};
  let count = 0;
  let truncated = false;
  const queue: string[] = [""];
  while (queue.length > 0) {
    const rel = queue.shift() as string;
    let names: string[];
    try {
      names = (await fsp.readdir(path.join(root, rel))).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (rel === "" && IGNORED_TOP_LEVEL.has(name)) continue;
      if (++count > limit) {
        truncated = true;
        queue.length = 0;
        break;
      }
      const child = rel ? `${rel}/${name}` : name;
      const st = await fsp.lstat(path.join(root, child)).catch(() => null);
      if (!st) continue;
      const type = st.isFile() ? "f" : st.isDirectory() ? "d" : st.isSymbolicLink() ? "l" : "o";
      entries[child] = { type, size: st.size, mtimeMs: st.mtimeMs, mode: st.mode };
      if (type === "d") queue.push(child);
    }
  }
  return { kind: "walk", root, entries, truncated };
}

/**
 * A cheap fingerprint of the workspace around `dir`: for a git work tree, HEAD, refs, stash,
 * the staged content and every changed or untracked path's content hash; otherwise a bounded
 * walk of sizes, mtimes and modes. `.codex-tasks/` (codexmcp's own links) is left out.
 */
export async function takeSnapshot(
  dir: string,
  opts: { walkLimit?: number } = {},
): Promise<WorkspaceSnapshot> {
  const top = await gitMaybe(dir, ["rev-parse", "--show-toplevel"]);
  if (top?.trim()) return gitSnapshot(top.trim());
  return walkSnapshot(dir, opts.walkLimit ?? WALK_LIMIT);
}

export type SnapshotChangeKind =
  | "created"
  | "modified"
  | "deleted"
  | "git-head"
  | "git-ref"
  | "git-stash"
  | "git-index";

export interface SnapshotChange {
  readonly kind: SnapshotChangeKind;
  /** Relative to the snapshot root (files), or the ref name. */
  readonly path?: string;
  readonly detail: string;
  /** A file that changed because HEAD moved to a commit that changes it. */
  readonly viaCommit?: boolean;
}

function short(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 12) : "nothing";
}

function diffGit(before: GitSnapshot, after: GitSnapshot): SnapshotChange[] {
  const changes: SnapshotChange[] = [];
  if (before.headRef !== after.headRef) {
    changes.push({
      kind: "git-head",
      detail: `HEAD switched from ${before.headRef ?? "a detached HEAD"} to ${after.headRef ?? "a detached HEAD"}`,
    });
  } else if (before.head !== after.head) {
    changes.push({
      kind: "git-head",
      detail: `HEAD moved from ${short(before.head)} to ${short(after.head)}`,
    });
  }
  const names = new Set([...Object.keys(before.refs), ...Object.keys(after.refs)]);
  for (const name of [...names].sort()) {
    const a = before.refs[name];
    const b = after.refs[name];
    if (a === b || name === "refs/stash") continue;
    const what =
      a === undefined ? "created" : b === undefined ? "deleted" : `moved from ${short(a)} to ${short(b)}`;
    changes.push({ kind: "git-ref", path: name, detail: `${name} ${what}` });
  }
  const stashBefore = before.stash.map((s) => s.sha).join(",");
  const stashAfter = after.stash.map((s) => s.sha).join(",");
  if (stashBefore !== stashAfter) {
    changes.push({
      kind: "git-stash",
      path: "refs/stash",
      detail: `the stash changed (${before.stash.length} → ${after.stash.length} entries)`,
    });
  }
  if (before.indexHash !== after.indexHash)
    changes.push({ kind: "git-index", detail: "the staged content (index) changed" });
  const paths = new Set([...Object.keys(before.dirty), ...Object.keys(after.dirty)]);
  for (const rel of [...paths].sort()) {
    const a = before.dirty[rel];
    const b = after.dirty[rel];
    if (
      a &&
      b &&
      a.code === b.code &&
      a.print.hash === b.print.hash &&
      a.print.mode === b.print.mode &&
      a.print.type === b.print.type
    )
      continue;
    if (b?.print.type === "-" && a?.print.type !== "-")
      changes.push({ kind: "deleted", path: rel, detail: `${rel} was deleted` });
    else if (!a && b?.code === "??")
      changes.push({ kind: "created", path: rel, detail: `${rel} was created` });
    else changes.push({ kind: "modified", path: rel, detail: `${rel} was modified` });
  }
  return changes;
}

function diffWalk(before: WalkSnapshot, after: WalkSnapshot): SnapshotChange[] {
  const changes: SnapshotChange[] = [];
  const paths = new Set([...Object.keys(before.entries), ...Object.keys(after.entries)]);
  for (const rel of [...paths].sort()) {
    const a = before.entries[rel];
    const b = after.entries[rel];
    if (!a && b) changes.push({ kind: "created", path: rel, detail: `${rel} was created` });
    else if (a && !b) changes.push({ kind: "deleted", path: rel, detail: `${rel} was deleted` });
    // Within a millisecond: a restored file's mtime is set back through utimes, which keeps
    // microseconds at best.
    else if (
      a &&
      b &&
      // A directory turned into a link (or file) is a change too.
      (a.type !== b.type ||
        (a.type !== "d" && (a.size !== b.size || Math.abs(a.mtimeMs - b.mtimeMs) >= 1 || a.mode !== b.mode)))
    ) {
      changes.push({ kind: "modified", path: rel, detail: `${rel} was modified` });
    }
  }
  return changes;
}

/**
 * Files changed by commits between two HEADs (they look clean in both snapshots, yet the work
 * tree changed): the snapshot's ground truth must name them too.
 */
export async function committedChanges(
  before: WorkspaceSnapshot,
  after: WorkspaceSnapshot,
): Promise<SnapshotChange[]> {
  if (
    before.kind !== "git" ||
    after.kind !== "git" ||
    !before.head ||
    !after.head ||
    before.head === after.head
  )
    return [];
  const out = await gitMaybe(before.root, [
    "diff",
    "--name-status",
    "--no-renames",
    "-z",
    before.head,
    after.head,
  ]);
  const fields = (out ?? "").split("\0").filter(Boolean);
  const changes: SnapshotChange[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const status = fields[i] ?? "";
    const rel = fields[i + 1] ?? "";
    if (after.dirty[rel] || before.dirty[rel]) continue;
    const kind = status.startsWith("A") ? "created" : status.startsWith("D") ? "deleted" : "modified";
    changes.push({
      kind,
      path: rel,
      detail: `${rel} was ${kind} by a commit (HEAD ${short(before.head)} → ${short(after.head)})`,
      viaCommit: true,
    });
  }
  return changes;
}

/** What changed between two snapshots of the same workspace. */
export function diffSnapshots(before: WorkspaceSnapshot, after: WorkspaceSnapshot): SnapshotChange[] {
  if (before.kind === "git" && after.kind === "git") return diffGit(before, after);
  if (before.kind === "walk" && after.kind === "walk") return diffWalk(before, after);
  return [
    {
      kind: "modified",
      detail: `the workspace changed kind (${before.kind} → ${after.kind}): a repository was created or removed`,
    },
  ];
}
