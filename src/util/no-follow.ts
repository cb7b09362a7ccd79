import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import { hasErrorCode, UserError } from "./errors.js";

/**
 * Writing into a repository or a worktree without following a link someone planted there (a
 * repository can ship `.codex-tasks` as a symlink; an agent can turn a directory into one).
 */

/**
 * Makes `root/rel` a directory, component by component, each one created or found as a real
 * directory — never through a symbolic link. `root` itself is trusted (a canonical path).
 */
export async function mkdirNoFollow(root: string, rel: string): Promise<string> {
  let dir = root;
  for (const part of rel.split(/[\\/]+/).filter(Boolean)) {
    if (part === "..") throw new UserError(`${rel} leaves ${root}.`);
    if (part === ".") continue;
    dir = path.join(dir, part);
    const st = await fsp.lstat(dir).catch((err: unknown) => {
      if (hasErrorCode(err, "ENOENT")) return null;
      throw err;
    });
    if (!st) {
      await fsp.mkdir(dir).catch((err: unknown) => {
        if (!hasErrorCode(err, "EEXIST")) throw err;
      });
      const made = await fsp.lstat(dir);
      if (!made.isDirectory() || made.isSymbolicLink()) throw linkError(dir);
    } else if (!st.isDirectory()) throw linkError(dir);
  }
  return dir;
}

function linkError(dir: string): UserError {
  return new UserError(`${dir} is a symbolic link or not a directory; codexmcp does not write through it.`);
}

/**
 * Runs `fn` with a path for the directory `dir` that stays the directory opened here even if
 * `dir` is swapped for a link meanwhile (Linux: /proc/self/fd/N), after checking that `dir`
 * is a real directory and not a link.
 */
export async function withDirNoFollow<T>(dir: string, fn: (dirPath: string) => Promise<T>): Promise<T> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    if (hasErrorCode(err, "ELOOP", "ENOTDIR")) throw linkError(dir);
    throw err;
  }
  try {
    const viaFd = `/proc/self/fd/${handle.fd}`;
    const pinned = process.platform === "linux" && (await fsp.stat(viaFd).catch(() => null)) ? viaFd : dir;
    return await fn(pinned);
  } finally {
    await handle.close();
  }
}

/** Opens `file` for appending (created 0644 when missing), refusing a link in its place. */
export async function openAppendNoFollow(file: string): Promise<fsp.FileHandle> {
  try {
    return await fsp.open(
      file,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
      0o644,
    );
  } catch (err) {
    if (hasErrorCode(err, "ELOOP"))
      throw new UserError(`${file} is a symbolic link; codexmcp does not write through it.`);
    throw err;
  }
}
