import { promises as fsp } from "node:fs";
import path from "node:path";
import { hasErrorCode } from "../util/errors.js";
import { git } from "./git.js";

/**
 * Adds `pattern` to the repository's `info/exclude` (shared by all its worktrees) unless a line
 * already says it. The user's tracked `.gitignore` is never edited.
 */
export async function ensureExcluded(dirInRepo: string, pattern: string): Promise<void> {
  const rel = (await git(dirInRepo, ["rev-parse", "--git-path", "info/exclude"])).trim();
  const file = path.resolve(dirInRepo, rel);
  let text = "";
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (err) {
    if (!hasErrorCode(err, "ENOENT")) throw err;
  }
  if (text.split(/\r?\n/).some((line) => line.trim() === pattern)) return;
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const sep = text === "" || text.endsWith("\n") ? "" : "\n";
  await fsp.appendFile(file, `${sep}${pattern}\n`);
}
