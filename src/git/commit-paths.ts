import { promises as fsp } from "node:fs";
import path from "node:path";
import { UserError } from "../util/errors.js";
import { git } from "./git.js";

/**
 * The directories a commit in a linked worktree writes, and nothing else:
 * - `<common>/worktrees/<name>/` — the worktree's HEAD, index, its reflog;
 * - `<common>/objects/` — new objects;
 * - `<common>/refs/heads/<prefix>/` and `<common>/logs/refs/heads/<prefix>/` — the directory of
 *   the branch's ref and its reflog (git writes `<branch>.lock` beside the ref, so the
 *   directory, not the file).
 * Never the repository's config, hooks, info/ or any other ref. These are what a sandboxed
 * agent (Codex workspace-write) is given beyond its worktree.
 *
 * The worktree's git dir must be a worktree directory of this repository: its `.git` file is
 * writable to whoever had the worktree before (a full-access run of the same topic), and
 * whatever it points at would be handed to the sandbox.
 */
export async function commitWritableDirs(opts: {
  readonly worktree: string;
  readonly commonDir: string;
  readonly branch: string;
}): Promise<string[]> {
  const common = await fsp.realpath(opts.commonDir);
  const gitDir = await fsp.realpath(
    path.resolve(opts.worktree, (await git(opts.worktree, ["rev-parse", "--git-dir"])).trim()),
  );
  if (path.dirname(gitDir) !== path.join(common, "worktrees")) {
    throw new UserError(
      `The worktree ${opts.worktree} points at ${gitDir}, which is not a worktree directory of ${common}; remove the worktree (git worktree remove --force ${opts.worktree}) and dispatch again.`,
    );
  }
  const branchDir = path.posix.dirname(opts.branch);
  const dirs = [gitDir, path.join(common, "objects")];
  for (const base of ["refs/heads", "logs/refs/heads"]) {
    const dir = path.join(common, base, branchDir === "." ? "" : branchDir);
    await fsp.mkdir(dir, { recursive: true });
    dirs.push(dir);
  }
  // Each must be a real directory inside the repository, not a link planted to lead elsewhere.
  for (const dir of dirs) {
    const st = await fsp.lstat(dir);
    if (!st.isDirectory() || (await fsp.realpath(dir)) !== dir) {
      throw new UserError(
        `${dir} is not a plain directory of the repository (a symbolic link?); codexmcp will not hand it to the sandbox. Fix the repository and dispatch again.`,
      );
    }
  }
  return dirs;
}
