import { createHash } from "node:crypto";
import { createReadStream, promises as fsp } from "node:fs";

/** Files larger than this are fingerprinted by size and mtime instead of content. */
export const MAX_HASHED_BYTES = 64 * 1024 * 1024;

/**
 * Content hashing stops after this many bytes per snapshot (a repository whose untracked,
 * unignored files weigh gigabytes must not make every read-only task slow); later files are
 * fingerprinted by size and mtime.
 */
export class HashBudget {
  constructor(public remaining = 512 * 1024 * 1024) {}
}

export interface FileFingerprint {
  /** "f" file, "l" symlink, "d" directory, "-" missing. */
  readonly type: "f" | "l" | "d" | "-";
  readonly mode: number | null;
  /** sha256 of the content (files), of the target (symlinks); size:mtime beyond MAX_HASHED_BYTES. */
  readonly hash: string | null;
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export async function fingerprint(file: string, budget?: HashBudget): Promise<FileFingerprint> {
  let stat: Awaited<ReturnType<typeof fsp.lstat>>;
  try {
    stat = await fsp.lstat(file);
  } catch {
    return { type: "-", mode: null, hash: null };
  }
  if (stat.isSymbolicLink()) {
    const target = await fsp.readlink(file).catch(() => "");
    return { type: "l", mode: stat.mode, hash: createHash("sha256").update(target).digest("hex") };
  }
  if (stat.isDirectory()) return { type: "d", mode: stat.mode, hash: null };
  if (stat.size > MAX_HASHED_BYTES || (budget && stat.size > budget.remaining)) {
    return { type: "f", mode: stat.mode, hash: `size:${stat.size}:mtime:${stat.mtimeMs}` };
  }
  if (budget) budget.remaining -= stat.size;
  return { type: "f", mode: stat.mode, hash: await hashFile(file).catch(() => null) };
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
