import { promises as fsp } from "node:fs";
import { hasErrorCode } from "../util/errors.js";
import { completionSchema } from "./schemas.js";
import type { CompletionRecord } from "./store.js";
import { validateJson } from "./validated.js";

/**
 * Reading the completion journal (completions.jsonl). A cursor is a byte offset into it: every
 * line starts at a unique, increasing offset, so "completions after cursor" is exact across
 * processes and restarts, and a completion is never lost between two calls.
 */
export interface JournalEntry extends CompletionRecord {
  /** Offset of the record; the entry is "after" any cursor <= this. */
  readonly offset: number;
  /** Offset just past its line: the cursor that comes after this entry. */
  readonly next: number;
}

/** How much one read takes at most: a cursor far behind is caught up in steps, in bounded memory. */
export const JOURNAL_READ_BYTES = 4 * 1024 * 1024;

const RECORD_START = Buffer.from('{"task_id":');

export async function journalSize(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch (err) {
    if (hasErrorCode(err, "ENOENT", "ENOTDIR")) return 0;
    throw err;
  }
}

/**
 * The records on one line. A whole line is one record; a line that does not parse is a torn
 * record a writer left (it died, or the disk filled mid-append), possibly with a later record
 * glued on by an older writer: every complete record in it is still found, the fragment skipped.
 */
export function recordsOnLine(line: Buffer): { at: number; record: CompletionRecord }[] {
  const whole = validateJson(line.toString("utf8"), completionSchema);
  if (whole.ok) return [{ at: 0, record: whole.value }];
  const found: { at: number; record: CompletionRecord }[] = [];
  for (let at = line.indexOf(RECORD_START, 1); at >= 0; at = line.indexOf(RECORD_START, at + 1)) {
    const part = validateJson(line.subarray(at).toString("utf8"), completionSchema);
    if (part.ok) {
      found.push({ at, record: part.value });
      break;
    }
  }
  return found;
}

/**
 * Complete lines from `from` on, at most `maxBytes` of them per call (a line still being written
 * is left for the next read). `end` is where the next read starts.
 */
export async function readJournal(
  file: string,
  from: number,
  maxBytes = JOURNAL_READ_BYTES,
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
    const length = Math.min(size - start, maxBytes);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, start);
    const entries: JournalEntry[] = [];
    let pos = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) {
        // A single line longer than a whole read is garbage: step over it rather than stall.
        if (pos === 0 && length === maxBytes) pos = buf.length;
        break;
      }
      for (const { at, record } of recordsOnLine(buf.subarray(pos, nl)))
        entries.push({ ...record, offset: start + pos + at, next: start + nl + 1 });
      pos = nl + 1;
    }
    return { entries, end: start + pos };
  } finally {
    await handle.close();
  }
}

/**
 * The journal entry of a given run of a task (task id + created_at), found by scanning the file
 * backwards in chunks for its id: recent completions are found after reading little, and memory
 * stays bounded however large the journal is. Entries found are remembered per process (the
 * journal is append-only, so an offset never changes while the file keeps growing).
 */
const located = new Map<string, JournalEntry>();

export async function findEntry(
  file: string,
  taskId: string,
  createdAt: string,
): Promise<JournalEntry | undefined> {
  const key = `${file}\0${taskId}\0${createdAt}`;
  const size = await journalSize(file);
  const known = located.get(key);
  if (known && known.next <= size) return known;
  const needle = Buffer.from(`"task_id":${JSON.stringify(taskId)}`);
  const chunk = 1024 * 1024;
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, "r");
  } catch (err) {
    if (hasErrorCode(err, "ENOENT", "ENOTDIR")) return undefined;
    throw err;
  }
  try {
    let end = size;
    let carry = Buffer.alloc(0);
    while (end > 0) {
      const start = Math.max(0, end - chunk);
      const buf = Buffer.alloc(end - start);
      await handle.read(buf, 0, buf.length, start);
      const text = Buffer.concat([buf, carry]);
      // Only whole lines: the part before the first newline is completed by the next chunk.
      const first = start === 0 ? -1 : text.indexOf(10);
      let hit = text.lastIndexOf(needle);
      while (hit > first) {
        const lineStart = text.lastIndexOf(10, hit) + 1;
        const lineEnd = text.indexOf(10, hit);
        if (lineEnd >= 0) {
          for (const { at, record } of recordsOnLine(text.subarray(lineStart, lineEnd))) {
            if (record.task_id !== taskId || record.created_at !== createdAt) continue;
            const entry = { ...record, offset: start + lineStart + at, next: start + lineEnd + 1 };
            located.set(key, entry);
            return entry;
          }
        }
        hit = lineStart > 1 ? text.lastIndexOf(needle, lineStart - 1) : -1;
      }
      carry = first >= 0 ? text.subarray(0, first + 1) : Buffer.alloc(0);
      end = start;
    }
    return undefined;
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
