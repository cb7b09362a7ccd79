import { promises as fsp } from "node:fs";
import path from "node:path";
import { ensureExcluded } from "../git/exclude.js";
import type { RepoInfo } from "../git/repo.js";
import { errorMessage } from "../util/errors.js";
import { log } from "../util/log.js";
import { mkdirNoFollow, withDirNoFollow } from "../util/no-follow.js";

/**
 * `<cwd>/.codex-tasks/<topic>` → the task directory. The repository controls what is at
 * `.codex-tasks`: a link there (or at `<topic>` pointing somewhere else) is never followed.
 */
export async function makeTaskLink(
  cwd: string,
  topic: string,
  taskDir: string,
  repo: RepoInfo | null,
): Promise<void> {
  const linkDir = path.join(cwd, ".codex-tasks");
  const link = path.join(linkDir, topic);
  if (repo)
    await ensureExcluded(cwd, ".codex-tasks/", repo.excludeFile).catch((err: unknown) =>
      log.warn(`could not add .codex-tasks/ to the repository's info/exclude: ${errorMessage(err)}`),
    );
  try {
    await mkdirNoFollow(cwd, ".codex-tasks");
    await withDirNoFollow(linkDir, async (dir) => {
      const at = path.join(dir, topic);
      const existing = await fsp.lstat(at).catch(() => null);
      if (existing && !existing.isSymbolicLink())
        throw new Error("something other than a link is there; left alone");
      if (existing) await fsp.unlink(at);
      await fsp.symlink(taskDir, at, "dir");
    });
  } catch (err) {
    log.warn(`could not create ${link}: ${errorMessage(err)}`);
  }
}

/** Removes `<cwd>/.codex-tasks/<topic>` if it is the link to `taskDir` (anything else stays). */
export async function removeTaskLink(cwd: string, topic: string, taskDir: string): Promise<void> {
  await withDirNoFollow(path.join(cwd, ".codex-tasks"), async (dir) => {
    const at = path.join(dir, topic);
    if ((await fsp.readlink(at).catch(() => undefined)) === taskDir) await fsp.unlink(at);
  }).catch(() => undefined);
}
