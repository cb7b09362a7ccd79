import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { git } from "./git.js";

/**
 * Ignored directories that hold only what a tool regenerates from tracked files (dependencies,
 * caches). Everything else git ignores — `.env`, keys, local config, build output — is work.
 */
export const REGENERABLE_DIRS: ReadonlySet<string> = new Set([
  "node_modules",
  ".venv",
  "venv",
  "__pycache__",
  ".pytest_cache",
  ".mypy_cache",
  ".ruff_cache",
  ".tox",
  ".gradle",
  ".cache",
  ".parcel-cache",
  ".turbo",
  ".next",
]);

/** codexmcp's own links in a checkout: never anyone's work. */
const OWN_ENTRIES = new Set([".codex-tasks"]);

export interface IgnoredWork {
  /** Ignored files (and directories, with a trailing slash) that are work: listed, saved. */
  readonly work: readonly string[];
  /** How many files those entries hold. */
  readonly files: number;
  /** Regenerable directories (dependencies, caches): discarded, never saved. */
  readonly regenerable: readonly string[];
  /** Ignored files identical to the same path in the user's checkout (copied there from it). */
  readonly sameAsCheckout: readonly string[];
}

/** Ignored entries of a work tree: files one by one, ignored directories collapsed (`dir/`). */
export async function ignoredEntries(workTree: string): Promise<string[]> {
  const out = await git(workTree, [
    "status",
    "--porcelain=v1",
    "-z",
    "--untracked-files=all",
    "--ignored=matching",
    "--ignore-submodules=all",
  ]);
  return out
    .split("\0")
    .filter((f) => f.startsWith("!! "))
    .map((f) => f.slice(3))
    .filter((rel) => !OWN_ENTRIES.has(rel.replace(/\/$/, "").split("/")[0] ?? ""));
}

async function digest(file: string): Promise<string | undefined> {
  const st = await fsp.lstat(file).catch(() => null);
  if (!st) return undefined;
  if (st.isSymbolicLink()) return `l:${await fsp.readlink(file)}`;
  if (!st.isFile()) return undefined;
  return `f:${st.mode & 0o111 ? "x" : "-"}:${createHash("sha256")
    .update(await fsp.readFile(file))
    .digest("hex")}`;
}

/** Files under `dir` (relative to `root`), up to `limit`; directories are walked, not followed. */
async function filesUnder(root: string, rel: string, limit: number): Promise<string[]> {
  const found: string[] = [];
  const queue = [rel.replace(/\/$/, "")];
  while (queue.length > 0 && found.length < limit) {
    const cur = queue.shift() as string;
    const st = await fsp.lstat(path.join(root, cur)).catch(() => null);
    if (!st) continue;
    if (!st.isDirectory()) {
      found.push(cur);
      continue;
    }
    for (const name of (await fsp.readdir(path.join(root, cur)).catch(() => [] as string[])).sort())
      queue.push(`${cur}/${name}`);
  }
  return found;
}

const WALK_LIMIT = 100_000;

/**
 * Sorts a work tree's ignored entries into work, regenerable and copies of the user's checkout.
 * An ignored directory counts as a copy only when every file in it is identical there.
 */
export async function classifyIgnored(workTree: string, checkout: string | null): Promise<IgnoredWork> {
  const work: string[] = [];
  const regenerable: string[] = [];
  const same: string[] = [];
  let files = 0;
  for (const rel of await ignoredEntries(workTree)) {
    const parts = rel.replace(/\/$/, "").split("/");
    if (parts.some((p) => REGENERABLE_DIRS.has(p))) {
      regenerable.push(rel);
      continue;
    }
    const inside = await filesUnder(workTree, rel, WALK_LIMIT);
    let identical = checkout !== null && inside.length > 0;
    for (const f of inside) {
      if (!identical) break;
      const [mine, theirs] = await Promise.all([
        digest(path.join(workTree, f)),
        digest(path.join(checkout as string, f)),
      ]);
      identical = mine !== undefined && mine === theirs;
    }
    if (identical) same.push(rel);
    else if (inside.length > 0) {
      work.push(rel);
      files += Math.max(inside.length, 1);
    }
  }
  return { work, files, regenerable, sameAsCheckout: same };
}
