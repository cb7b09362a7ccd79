import { promises as fsp } from "node:fs";
import { hasErrorCode } from "../util/errors.js";
import type { CompletionRecord } from "./store.js";

/**
 * Reading the completion journal (completions.jsonl). A cursor is a byte offset into it: every
 * line starts at a unique, increasing offset, so "completions after cursor" is exact across
 * processes and restarts, and a completion is never lost between two calls.
 */
export interface JournalEntry extends CompletionRecord {
  /** Offset of the line; the entry is "after" any cursor <= this. */
  readonly offset: number;
  /** Offset just past the line: the cursor that comes after this entry. */
  readonly next: number;
}

export async function journalSize(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch (err) {
    if (hasErrorCode(err, "ENOENT", "ENOTDIR")) return 0;
    throw err;
  }
}

/** Complete lines from `from` on (a line still being written is left for the next read). */
export async function readJournal(
  file: string,
  from: number,
): Promise<{ entries: JournalEntry[]; end: number }> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, "r");
  } catch (err) {
    if (hasErrorCode(err, "ENOENT", "ENOTDIR")) return { entries: [], end: 0 };
    throw err;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.min(Math.max(0, from), size);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    const entries: JournalEntry[] = [];
    let pos = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      const line = buf.subarray(pos, nl).toString("utf8");
      try {
        const rec = JSON.parse(line) as CompletionRecord;
        if (rec && typeof rec.task_id === "string")
          entries.push({ ...rec, offset: start + pos, next: start + nl + 1 });
      } catch {
        // a torn line from a writer that died mid-append: skip it
      }
      pos = nl + 1;
    }
    return { entries, end: start + pos };
  } finally {
    await handle.close();
  }
}

/** "c<offset>": opaque to callers, checked on the way in. */
export function formatCursor(offset: number): string {
  return `c${offset}`;
}

export function parseCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const m = /^c(\d{1,15})$/.exec(cursor);
  return m ? Number(m[1]) : Number.NaN;
}
