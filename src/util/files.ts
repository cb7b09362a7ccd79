import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { hasErrorCode } from "./errors.js";

/** Private files: task state can hold prompts, transcripts and environment snapshots. */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

function tempSibling(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
}

async function writeTemp(file: string, data: string | Uint8Array): Promise<string> {
  const tmp = tempSibling(file);
  const handle = await fsp.open(tmp, "wx", PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    // A full disk must not leave half-written temp files behind.
    await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  return tmp;
}

/** Replace `file` atomically: readers see the old or the new content, never a torn write. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = await writeTemp(file, data);
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Create `file` with `value` only if it does not exist yet, atomically (complete content or
 * nothing). Returns false when another writer got there first. This is what makes a task's
 * outcome final: the runner, a canceller and a crash detector may race; exactly one wins.
 */
export async function writeJsonOnce(file: string, value: unknown): Promise<boolean> {
  const tmp = await writeTemp(file, `${JSON.stringify(value, null, 2)}\n`);
  try {
    await fsp.link(tmp, file);
    return true;
  } catch (err) {
    if (hasErrorCode(err, "EEXIST")) return false;
    throw err;
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

/** Parsed JSON, or undefined when the file does not exist. Other errors propagate. */
export async function readJsonIfExists<T = unknown>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (err) {
    if (hasErrorCode(err, "ENOENT", "ENOTDIR")) return undefined;
    throw err;
  }
  return JSON.parse(text) as T;
}

export async function pathExists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch (err) {
    if (hasErrorCode(err, "ENOENT", "ENOTDIR")) return false;
    throw err;
  }
}

export async function ensurePrivateDir(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Appends one line; small appends with O_APPEND land whole even with several writers. A line
 * left torn by a writer that died or ran out of space mid-append is ended first, so this one
 * starts on a line of its own instead of being glued to the fragment.
 */
export async function appendLine(file: string, line: string): Promise<void> {
  const handle = await fsp.open(file, "a+", PRIVATE_FILE_MODE);
  try {
    const { size } = await handle.stat();
    let prefix = "";
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 10) prefix = "\n";
    }
    await handle.appendFile(`${prefix}${line}\n`);
  } finally {
    await handle.close();
  }
}
