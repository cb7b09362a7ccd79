import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import { errorMessage } from "../util/errors.js";
import { writeJsonAtomic } from "../util/files.js";
import { mkdirNoFollow } from "../util/no-follow.js";
import type { RestoreReport } from "./audit.js";
import { diffSnapshots, type SnapshotChange, takeSnapshot, type WalkSnapshot } from "./snapshot.js";

/** Copies of the directory's files taken before the run (outside git there is nothing else to restore from). */
export interface WalkRestorePoint {
  readonly dir: string;
  readonly copied: ReadonlySet<string>;
  /** Files not copied because the size budget ran out. */
  readonly skipped: number;
}

export const WALK_COPY_BUDGET = 256 * 1024 * 1024;

async function copyEntry(from: string, to: string): Promise<void> {
  await fsp.mkdir(path.dirname(to), { recursive: true });
  const st = await fsp.lstat(from);
  if (st.isSymbolicLink()) {
    await fsp.rm(to, { force: true });
    await fsp.symlink(await fsp.readlink(from), to);
    return;
  }
  // A reflink where the filesystem offers one (instant, no space); a real copy otherwise.
  // Never a hard link: an agent truncating the file in place would change the copy too.
  await fsp.copyFile(from, to, constants.COPYFILE_FICLONE);
  await fsp.chmod(to, st.mode & 0o7777);
}

export async function prepareWalkRestore(
  snapshot: WalkSnapshot,
  stateDir: string,
  budget = WALK_COPY_BUDGET,
): Promise<WalkRestorePoint> {
  const dir = path.join(stateDir, "before");
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const copied = new Set<string>();
  let left = budget;
  let skipped = 0;
  for (const [rel, entry] of Object.entries(snapshot.entries)) {
    if (entry.type !== "f" && entry.type !== "l") continue;
    if (entry.type === "f" && entry.size > left) {
      skipped++;
      continue;
    }
    try {
      await copyEntry(path.join(snapshot.root, rel), path.join(dir, rel));
      copied.add(rel);
      left -= entry.size;
    } catch {
      skipped++;
    }
  }
  return { dir, copied, skipped };
}

/**
 * Puts a plain directory back from the copies taken before the run, after copying what the
 * agent created or changed into the task directory (`after/`, with a manifest).
 */
export async function restoreWalk(input: {
  readonly before: WalkSnapshot;
  readonly point: WalkRestorePoint;
  readonly changes: readonly SnapshotChange[];
  readonly stateDir: string;
}): Promise<RestoreReport> {
  const { before, point } = input;
  const root = before.root;
  const afterDir = path.join(input.stateDir, "after");
  const errors: string[] = [];
  const byKind = (kind: string) =>
    input.changes.filter((c) => c.kind === kind && c.path).map((c) => c.path as string);
  const created = byKind("created");
  const modified = byKind("modified");
  const deleted = byKind("deleted");

  for (const rel of [...created, ...modified]) {
    const st = await fsp.lstat(path.join(root, rel)).catch(() => null);
    if (!st || st.isDirectory()) continue;
    try {
      await copyEntry(path.join(root, rel), path.join(afterDir, rel));
    } catch (err) {
      errors.push(`saving ${rel}: ${errorMessage(err)}`);
    }
  }
  await writeJsonAtomic(path.join(input.stateDir, "manifest.json"), { root, created, modified, deleted });
  if (errors.length > 0) {
    return {
      restored: false,
      verified: false,
      saved_to: input.stateDir,
      how_to_recover: "Nothing was restored because the agent's changes could not all be saved first.",
      errors,
    };
  }

  // Longest paths first: files inside a created directory go before the directory.
  for (const rel of [...created].sort((a, b) => b.length - a.length)) {
    await fsp
      .rm(path.join(root, rel), { recursive: true, force: true })
      .catch((err) => errors.push(`removing ${rel}: ${errorMessage(err)}`));
  }
  for (const rel of [...deleted, ...modified].sort((a, b) => a.length - b.length)) {
    const entry = before.entries[rel];
    if (!entry) continue;
    const target = path.join(root, rel);
    try {
      // The agent may have turned a directory into a link to elsewhere: the link goes, and
      // nothing is written through it.
      const now = await fsp.lstat(target).catch(() => null);
      if (now?.isSymbolicLink() && entry.type !== "l") await fsp.unlink(target);
      if (entry.type === "d") {
        await mkdirNoFollow(root, rel);
        await fsp.chmod(target, entry.mode & 0o7777);
        continue;
      }
      // Likewise a directory above it.
      const parts = path
        .dirname(rel)
        .split(path.sep)
        .filter((p) => p && p !== ".");
      for (let i = 1; i <= parts.length; i++) {
        const above = parts.slice(0, i).join(path.sep);
        if (before.entries[above]?.type !== "d") continue;
        if ((await fsp.lstat(path.join(root, above)).catch(() => null))?.isSymbolicLink())
          await fsp.unlink(path.join(root, above));
      }
      await mkdirNoFollow(root, path.dirname(rel));
      if (!point.copied.has(rel)) {
        errors.push(`${rel} was not copied before the run (size budget), so it cannot be restored`);
        continue;
      }
      await fsp.rm(target, { recursive: true, force: true });
      await copyEntry(path.join(point.dir, rel), target);
      // Seconds as a float: a Date would truncate the sub-millisecond part.
      if (entry.type === "f") await fsp.utimes(target, Date.now() / 1000, entry.mtimeMs / 1000);
    } catch (err) {
      errors.push(`restoring ${rel}: ${errorMessage(err)}`);
    }
  }

  // Checked on what was restored: changes not attributed to the agent stay, by design.
  const now = await takeSnapshot(root);
  const restored = new Set(input.changes.map((c) => c.path));
  const remaining = diffSnapshots(before, now)
    .filter((c) => restored.has(c.path))
    .map((c) => c.detail);
  return {
    restored: errors.length === 0,
    verified: remaining.length === 0,
    saved_to: input.stateDir,
    how_to_recover: `The agent's version of every file it created or changed is in ${afterDir} (same relative paths); manifest.json lists created, modified and deleted paths.`,
    ...(remaining.length > 0 ? { remaining } : {}),
    ...(errors.length > 0 ? { errors } : {}),
  };
}
