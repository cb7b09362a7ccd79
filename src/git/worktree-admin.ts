import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import { hasErrorCode } from "../util/errors.js";

/**
 * A workspace-write agent may write its worktree's administration directory
 * (`<common>/worktrees/<name>/`: a commit needs it). Three files there tell git where the rest
 * of the repository is and which config to read, so an agent that rewrites them could make a
 * person's own `git status` in that worktree — or Codex's, which runs git there unsandboxed when
 * a task starts — read a config of its choosing:
 * - `commondir` (where the shared config, hooks and refs are),
 * - `gitdir` (which checkout the directory belongs to),
 * - `config.worktree` (read when the repository enables extensions.worktreeConfig).
 * codexmcp never writes `config.worktree` into an agent worktree. This puts the first two back as
 * git wrote them and moves a `config.worktree` aside (kept, renamed), before a task starts in the
 * worktree and when one ends. codexmcp's own git never depends on it (harden.ts).
 *
 * Only a worktree whose `.git` pointer names `<common>/worktrees/<name>` is checked: Codex keeps
 * that pointer read-only inside its sandbox. Returns what was repaired, in words.
 */
export async function secureWorktreeAdmin(worktree: string): Promise<string[]> {
  const pointer = await readPlain(path.join(worktree, ".git"));
  const m = pointer !== undefined ? /^gitdir: (.+)$/m.exec(pointer) : null;
  if (!m?.[1]) return [];
  const adminDir = path.resolve(worktree, m[1].trim());
  if (path.basename(path.dirname(adminDir)) !== "worktrees") return [];
  const common = path.dirname(path.dirname(adminDir));
  const repaired: string[] = [];

  const commondirFile = path.join(adminDir, "commondir");
  const commondir = await readPlain(commondirFile);
  if (commondir === undefined || !(await samePath(path.resolve(adminDir, commondir.trim()), common))) {
    await rewrite(commondirFile, "../..\n");
    repaired.push(
      `${commondirFile} pointed elsewhere (${JSON.stringify(commondir?.trim() ?? null)}); restored`,
    );
  }
  const gitdirFile = path.join(adminDir, "gitdir");
  const gitdir = await readPlain(gitdirFile);
  const expected = path.join(worktree, ".git");
  if (gitdir === undefined || !(await samePath(path.resolve(adminDir, gitdir.trim()), expected))) {
    await rewrite(gitdirFile, `${expected}\n`);
    repaired.push(`${gitdirFile} pointed elsewhere (${JSON.stringify(gitdir?.trim() ?? null)}); restored`);
  }
  const worktreeConfig = path.join(adminDir, "config.worktree");
  if (await fsp.lstat(worktreeConfig).catch(() => null)) {
    const aside = `${worktreeConfig}.codexmcp-set-aside-${Date.now()}`;
    await fsp.rename(worktreeConfig, aside);
    repaired.push(`${worktreeConfig} (written in the worktree, not by codexmcp) moved aside to ${aside}`);
  }
  return repaired;
}

/** A regular file's text, never through a link; undefined when it is missing or not a plain file. */
async function readPlain(file: string): Promise<string | undefined> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if (hasErrorCode(err, "ENOENT", "ELOOP", "ENOTDIR")) return undefined;
    throw err;
  }
  try {
    if (!(await handle.stat()).isFile()) return undefined;
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

async function samePath(a: string, b: string): Promise<boolean> {
  const real = async (p: string) => fsp.realpath(p).catch(() => path.resolve(p));
  return (await real(a)) === (await real(b));
}

/** Replaces `file` (a link there is replaced, never followed). */
async function rewrite(file: string, text: string): Promise<void> {
  await fsp.rm(file, { force: true, recursive: true });
  await fsp.writeFile(file, text, { flag: "wx" });
}
