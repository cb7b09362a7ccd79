import { promises as fsp } from "node:fs";
import { hasErrorCode } from "./errors.js";

/** The last `maxBytes` of a file (starting at a line boundary when cut), without reading the rest. */
export async function readTail(
  file: string,
  maxBytes: number,
): Promise<{ text: string; size: number; cut: boolean }> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, "r");
  } catch (err) {
    if (hasErrorCode(err, "ENOENT")) return { text: "", size: 0, cut: false };
    throw err;
  }
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
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, "r");
  } catch (err) {
    if (hasErrorCode(err, "ENOENT")) return "";
    throw err;
  }
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
