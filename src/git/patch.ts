import { type DiffStat, diffStat, withSnapshotIndex } from "./diffstat.js";
import { gitEnv, hardenedArgv } from "./git.js";

export interface FileStat {
  readonly path: string;
  readonly insertions: number;
  readonly deletions: number;
  readonly binary: boolean;
}

export interface WorktreePatch extends DiffStat {
  readonly files: readonly FileStat[];
  readonly patch: string;
  readonly truncated: boolean;
  /** Bytes of patch returned. */
  readonly patch_bytes: number;
  /** Where a truncated patch stops, in words. */
  readonly cut_at?: string;
}

export function parseNumstat(out: string): FileStat[] {
  return out
    .split("\0")
    .filter(Boolean)
    .map((entry) => {
      const [ins = "-", del = "-", ...rest] = entry.split("\t");
      return {
        path: rest.join("\t"),
        insertions: Number(ins) || 0,
        deletions: Number(del) || 0,
        binary: ins === "-",
      };
    });
}

/** Cuts a patch at the last whole line within `max` bytes and says which file it stops in. */
export function cutPatch(
  full: Buffer,
  max: number,
  files: readonly FileStat[],
): { patch: string; cut_at?: string } {
  if (full.length <= max) return { patch: full.toString("utf8") };
  const nl = full.lastIndexOf(10, max - 1);
  const patch = full.subarray(0, nl < 0 ? 0 : nl + 1).toString("utf8");
  const headers = [...patch.matchAll(/^diff --git a\/(.*?) b\//gm)];
  const inFile = headers.at(-1)?.[1];
  const index = inFile ? files.findIndex((f) => f.path === inFile) + 1 : 0;
  return {
    patch,
    cut_at: inFile
      ? `in ${inFile} (file ${index || headers.length} of ${files.length}); pass path to see one file, or a larger max_bytes`
      : `before the first file; pass a larger max_bytes`,
  };
}

/**
 * The patch of everything in the worktree — the branch's commits and uncommitted work, new
 * files included — against `base`, at most `maxBytes` of it, with per-file stats. The worktree's
 * real index is never touched.
 */
export async function worktreePatch(
  worktree: string,
  base: string,
  opts: { path?: string; maxBytes: number },
): Promise<WorktreePatch> {
  const pathspec = opts.path ? ["--", opts.path] : ["--"];
  const { execa } = await import("execa");
  const { numstat, raw } = await withSnapshotIndex(worktree, async (env) => {
    const run = async (args: string[], maxBuffer: number) =>
      execa("git", await hardenedArgv(worktree, args, env), {
        cwd: worktree,
        env: gitEnv(env),
        extendEnv: false,
        reject: false,
        maxBuffer,
        encoding: "buffer",
        stdin: "ignore",
      });
    const stats = await run(["diff", "--numstat", "-z", base, ...pathspec], 64 * 1024 * 1024);
    // Read a little more than asked: enough to know the patch was cut.
    const patch = await run(["diff", "--no-color", base, ...pathspec], opts.maxBytes + 1);
    if (stats.exitCode !== 0 && !stats.isMaxBuffer)
      throw new Error(`git diff failed: ${Buffer.from(stats.stderr).toString().trim()}`);
    if (patch.exitCode !== 0 && !patch.isMaxBuffer)
      throw new Error(`git diff failed: ${Buffer.from(patch.stderr).toString().trim()}`);
    return { numstat: Buffer.from(stats.stdout).toString("utf8"), raw: Buffer.from(patch.stdout) };
  });
  const files = parseNumstat(numstat);
  const { patch, cut_at } = cutPatch(raw, opts.maxBytes, files);
  const stat = await diffStat(worktree, base);
  return {
    ...stat,
    files,
    patch,
    truncated: cut_at !== undefined,
    patch_bytes: Buffer.byteLength(patch),
    ...(cut_at ? { cut_at } : {}),
  };
}
