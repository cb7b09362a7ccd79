import { randomBytes } from "node:crypto";
import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import { hasErrorCode, UserError } from "../../util/errors.js";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../../util/files.js";

export interface ConfigFileState {
  /** The path the client reads. */
  readonly file: string;
  /** Where writes go: `file`, or the file it links to (dotfile managers symlink these configs). */
  readonly target: string;
  /** Current content; undefined when the file does not exist. */
  readonly text: string | undefined;
  /** Permission bits to keep; new files get 0600. */
  readonly mode: number;
}

export async function readConfigFile(file: string): Promise<ConfigFileState> {
  let target = file;
  try {
    target = await fsp.realpath(file);
  } catch (err) {
    if (!hasErrorCode(err, "ENOENT", "ENOTDIR")) throw err;
    // A dangling symlink: write where it points, so the link keeps working.
    try {
      const link = await fsp.readlink(file);
      target = path.resolve(path.dirname(file), link);
    } catch {
      // not a link
    }
  }
  try {
    const [text, stat] = await Promise.all([fsp.readFile(target, "utf8"), fsp.stat(target)]);
    if (!stat.isFile())
      throw new UserError(`${file} is not a regular file; move it away and run the command again.`);
    return { file, target, text, mode: stat.mode & 0o777 };
  } catch (err) {
    if (hasErrorCode(err, "ENOENT", "ENOTDIR"))
      return { file, target, text: undefined, mode: PRIVATE_FILE_MODE };
    if (hasErrorCode(err, "EISDIR")) {
      throw new UserError(
        `${file} is a directory, not a config file; move it away and run the command again.`,
      );
    }
    throw err;
  }
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, "-");
}

/** Writes `text` (the content the edit was based on) to `<file>.codexmcp-backup-<timestamp>`. */
export async function writeBackup(state: ConfigFileState, text: string): Promise<string> {
  const base = `${state.file}.codexmcp-backup-${timestamp()}`;
  for (let i = 0; ; i++) {
    const backup = i === 0 ? base : `${base}-${i}`;
    try {
      await fsp.writeFile(backup, text, { flag: "wx", mode: state.mode });
      return backup;
    } catch (err) {
      if (!hasErrorCode(err, "EEXIST") || i > 100) throw err;
    }
  }
}

/** Thrown when the file changed between our read and our write (the client itself may be writing it). */
export class ConcurrentChange extends Error {}

/**
 * Replaces the config atomically (temp file + rename in the target's directory), keeping its
 * permission bits, but only if it still holds `expected` (undefined: still absent).
 */
export async function replaceConfigFile(
  state: ConfigFileState,
  expected: string | undefined,
  text: string,
  dirMode: number = PRIVATE_DIR_MODE,
): Promise<void> {
  const dir = path.dirname(state.target);
  await fsp.mkdir(dir, { recursive: true, mode: dirMode });
  const tmp = path.join(
    dir,
    `.${path.basename(state.target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  const handle = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, state.mode);
  try {
    try {
      await handle.chmod(state.mode);
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const now = await readConfigFile(state.target);
    if (now.text !== expected) throw new ConcurrentChange(`${state.file} changed while it was being edited`);
    await fsp.rename(tmp, state.target);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}
