import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import { hasErrorCode } from "../util/errors.js";
import { mkdirNoFollow, openAppendNoFollow, withDirNoFollow } from "../util/no-follow.js";
import { git } from "./git.js";

/**
 * Adds `pattern` to the repository's `info/exclude` (shared by all its worktrees) unless a line
 * already says it. The user's tracked `.gitignore` is never edited, and neither `info/` nor the
 * file is followed if it is a link. `knownFile`: the file's path when the caller already asked git
 * (repoInfo's `excludeFile`), which saves a git process.
 */
export async function ensureExcluded(dirInRepo: string, pattern: string, knownFile?: string): Promise<void> {
  const file =
    knownFile ??
    path.resolve(dirInRepo, (await git(dirInRepo, ["rev-parse", "--git-path", "info/exclude"])).trim());
  const infoDir = await mkdirNoFollow(
    await fsp.realpath(path.dirname(path.dirname(file))),
    path.basename(path.dirname(file)),
  );
  await withDirNoFollow(infoDir, async (dir) => {
    const at = path.join(dir, path.basename(file));
    let text = "";
    try {
      const handle = await fsp.open(at, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        text = await handle.readFile("utf8");
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (!hasErrorCode(err, "ENOENT")) throw err;
    }
    if (text.split(/\r?\n/).some((line) => line.trim() === pattern)) return;
    const sep = text === "" || text.endsWith("\n") ? "" : "\n";
    const handle = await openAppendNoFollow(at);
    try {
      await handle.appendFile(`${sep}${pattern}\n`);
    } finally {
      await handle.close();
    }
  });
}
