import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * For a minute after many files are deleted, ext4 creates files far more slowly: its inode
 * allocator skips inodes deleted in the last 60 s (`recently_deleted()`; 300 s while their
 * inode table block is still dirty). A checkout measured in that minute, ours or the
 * baseline's, takes up to five times as long, and a ratio taken there says little. Benchmarks
 * that time checkouts call this first.
 */
const RECENTLY_DELETED_S = 60;

let lastOwnDeletion = 0;

/** Called by a sandbox once it has removed its files. */
export function noteDeletion(): void {
  lastOwnDeletion = Date.now();
}

/** Discards issued by the block devices so far (a file system mounted with `discard` issues them as deletions commit). */
function discards(): number {
  try {
    let total = 0;
    for (const line of readFileSync("/proc/diskstats", "utf8").split("\n")) {
      const f = line.trim().split(/\s+/);
      if (f.length >= 18 && !/^(loop|ram|zram|dm-)/.test(f[2] ?? "")) total += Number(f[14]) || 0;
    }
    return total;
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes back what is dirty (so the inode tables are clean and the 60 s rule applies), then waits
 * until a minute has passed since the last deletion seen: this process's own, or anyone's as
 * far as the disk's discard count shows (polled until it has been still for 3 s). Returns the
 * seconds waited.
 */
export async function quietDisk(log: (line: string) => void = () => undefined): Promise<number> {
  const t0 = Date.now();
  execFileSync("sync");
  let seen = discards();
  let lastChange = 0;
  const pollStart = Date.now();
  while (Date.now() - Math.max(lastChange, pollStart) < 3_000) {
    await sleep(500);
    const now = discards();
    if (now !== seen) {
      seen = now;
      lastChange = Date.now();
    }
  }
  const lastDeletion = Math.max(lastOwnDeletion, lastChange);
  const wait = lastDeletion + RECENTLY_DELETED_S * 1000 + 2_000 - Date.now();
  if (lastDeletion > 0 && wait > 0) {
    log(
      `  waiting ${(wait / 1000).toFixed(0)} s for the file system to leave its slow phase after deletions`,
    );
    await sleep(wait);
  }
  return (Date.now() - t0) / 1000;
}
