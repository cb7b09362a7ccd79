import { constants, promises as fsp } from "node:fs";
import { hasErrorCode, UserError } from "./errors.js";

/**
 * Opens a log or state file for reading, or undefined when it does not exist. Never through a
 * link, and only a plain file with one name: an agent that can write a task directory could plant
 * a link (or a hard link) to a file of the user's there, for a reader to serve.
 */
export async function openReadNoFollow(file: string): Promise<fsp.FileHandle | undefined> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (hasErrorCode(err, "ENOENT")) return undefined;
    if (hasErrorCode(err, "ELOOP"))
      throw new UserError(`${file} is a symbolic link, not a file codexmcp wrote; it is not read.`);
    throw err;
  }
  const st = await handle.stat();
  if (!st.isFile() || st.nlink > 1) {
    await handle.close();
    throw new UserError(
      `${file} is ${st.isFile() ? "a file with other names (a hard link)" : "not a plain file"}, not one codexmcp wrote; it is not read.`,
    );
  }
  return handle;
}

/** The last `maxBytes` of a file (starting at a line boundary when cut), without reading the rest. */
export async function readTail(
  file: string,
  maxBytes: number,
): Promise<{ text: string; size: number; cut: boolean }> {
  const handle = await openReadNoFollow(file);
  if (!handle) return { text: "", size: 0, cut: false };
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    let text = buf.toString("utf8");
    if (start > 0) {
      const nl = text.indexOf("\n");
      text = nl >= 0 ? text.slice(nl + 1) : "";
    }
    return { text, size, cut: start > 0 };
  } finally {
    await handle.close();
  }
}

/** The first `maxBytes` of a file. */
export async function readHead(file: string, maxBytes: number): Promise<string> {
  const handle = await openReadNoFollow(file);
  if (!handle) return "";
  try {
    const buf = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buf, 0, maxBytes, 0);
    return buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}

/** The last `lines` lines of a file, reading at most `maxBytes` from its end. */
export async function tailLines(file: string, lines: number, maxBytes = 256 * 1024): Promise<string[]> {
  const { text } = await readTail(file, maxBytes);
  const all = text.replace(/\n$/, "").split("\n");
  return text === "" ? [] : all.slice(-lines);
}
