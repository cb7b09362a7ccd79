import type { promises as fsp } from "node:fs";
import type { AgentEvent, AgentStreamReader } from "../core/agent-events.js";
import { openReadNoFollow } from "../util/tail.js";

export interface EventsPageRequest {
  readonly file: string;
  /** Byte offset to continue from, or "tail" for the newest events. */
  readonly cursor: number | "tail";
  readonly limit: number;
  /** Keep events whose type, item type or "type:item_type" is listed. */
  readonly types?: readonly string[] | undefined;
  /** Cap every string field at this many characters; 0 = no cap. */
  readonly truncate: number;
  /**
   * The normalized view: raw lines read into the agent's normalized events (all sharing the
   * line's cursor) by a reader made for the page; `types` then filters by their `kind`. A page
   * that starts mid-stream may show a command's end without its start.
   */
  readonly normalize?: (() => AgentStreamReader) | undefined;
  /** The task has ended: a page that reaches the end also gets what the reader held back. */
  readonly ended?: boolean | undefined;
  /**
   * Stop the page before its events' JSON passes this many bytes (at least one line's events are
   * always returned). A page goes to a model twice (text and structured content): keep it small.
   */
  readonly maxBytes?: number | undefined;
}

export interface PagedEvent {
  /** Offset of the event's line: pass it as cursor to read from this event on. */
  readonly cursor: number;
  readonly event: unknown;
}

export interface EventsPage {
  readonly events: PagedEvent[];
  /** Where the next page starts; always increases. */
  readonly next_cursor: number;
  readonly has_more: boolean;
  /** Bytes in the file when read. */
  readonly size: number;
  /** The page stopped at maxBytes (more events matched). */
  readonly cut_at_bytes?: boolean;
}

/** The default bound of a page's events, in bytes of JSON. */
export const DEFAULT_PAGE_BYTES = 16_000;

/** Counts a page's bytes and tells when the next line's events would not fit. */
class Budget {
  used = 0;
  cut = false;
  constructor(private readonly max: number | undefined) {}

  /** Whether `events` (one line's) may join a page that already holds `count` events. */
  fits(events: readonly unknown[], count: number): boolean {
    if (this.max === undefined || events.length === 0) return true;
    const bytes = events.reduce<number>((sum, e) => sum + Buffer.byteLength(JSON.stringify(e)) + 24, 0);
    if (count > 0 && this.used + bytes > this.max) {
      this.cut = true;
      return false;
    }
    this.used += bytes;
    return true;
  }
}

const CHUNK = 64 * 1024;
/** A page stops after scanning this much (a filter that matches rarely must not read gigabytes in one call). */
const MAX_SCAN = 16 * 1024 * 1024;
/** A single line beyond this is replaced by a placeholder instead of being held in memory. */
const MAX_LINE = 8 * 1024 * 1024;

export function truncateStrings(value: unknown, max: number): unknown {
  if (max <= 0) return value;
  if (typeof value === "string")
    return value.length > max ? `${value.slice(0, max)}…[+${value.length - max} chars]` : value;
  if (Array.isArray(value)) return value.map((v) => truncateStrings(v, max));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = truncateStrings(v, max);
    return out;
  }
  return value;
}

/**
 * A type filter matches only lines that contain its names as JSON strings (`"agent_message"`):
 * checking that first spares parsing lines that cannot match — most of them in a big log.
 */
function mayMatch(line: string, types: readonly string[]): boolean {
  return types.some((t) => t.split(":").every((part) => line.includes(`"${part}"`)));
}

/** What a filtered line must contain: the first name of each type as a JSON string. */
function filterNeedles(types: readonly string[] | undefined): Buffer[] | undefined {
  if (!types || types.length === 0) return undefined;
  return types.map((t) => Buffer.from(`"${t.split(":")[0]}"`));
}

/** Where the first needle occurs in buf[from, end), or `end` when none does. */
function firstHit(buf: Buffer, needles: readonly Buffer[], from: number, end: number): number {
  let hit = end;
  for (const needle of needles) {
    const at = buf.subarray(0, end).indexOf(needle, from);
    if (at >= 0 && at < hit) hit = at;
  }
  return hit;
}

/** Just past the last newline in buf[from, before), or `from` when there is none. */
function lastNewlineBefore(buf: Buffer, from: number, before: number): number {
  if (before <= from) return from;
  const nl = buf.lastIndexOf(10, before - 1);
  return nl >= from ? nl + 1 : from;
}

type RawEvent = { type: string; subtype?: unknown; item?: { type?: unknown } };

/** A raw JSONL line as an event object with a string `type`, or undefined. */
function parseRaw(line: string): RawEvent | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(trimmed) as unknown;
    if (value && typeof value === "object" && typeof (value as { type?: unknown }).type === "string")
      return value as RawEvent;
  } catch {
    // a torn or foreign line
  }
  return undefined;
}

/**
 * The names a raw event answers to in a `types` filter: its type, and its item type or subtype
 * on its own and as "type:item_type" (e.g. "item.completed:agent_message", "system:init").
 */
function rawKinds(event: RawEvent): string[] {
  const sub =
    typeof event.item?.type === "string"
      ? event.item.type
      : typeof event.subtype === "string"
        ? event.subtype
        : undefined;
  return sub ? [event.type, sub, `${event.type}:${sub}`] : [event.type];
}

function keepKinds(events: readonly AgentEvent[], types: readonly string[] | undefined): AgentEvent[] {
  return types && types.length > 0 ? events.filter((e) => types.includes(e.kind)) : [...events];
}

/** The events a raw line contributes to the page (none when filtered out or not an event). */
function accept(line: string, req: EventsPageRequest, reader?: AgentStreamReader): unknown[] {
  const { types } = req;
  const filtered = types !== undefined && types.length > 0;
  if (reader) return line.trim() ? keepKinds(reader.push(line), types) : [];
  if (filtered && !mayMatch(line, types)) return [];
  const event = parseRaw(line);
  if (!event) return [];
  if (filtered && !rawKinds(event).some((k) => types.includes(k))) return [];
  return [event];
}

async function forward(
  handle: fsp.FileHandle,
  size: number,
  req: EventsPageRequest,
  from: number,
): Promise<EventsPage> {
  const events: PagedEvent[] = [];
  let pos = Math.min(from, size);
  let lineStart = pos;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let oversized = false;
  const buf = Buffer.alloc(CHUNK);
  const budget = new Budget(req.maxBytes);
  // The byte search knows raw event names only; the normalized view reads every line, in order,
  // through one reader for the whole page (an agent's events span lines).
  const reader = req.normalize?.();
  const needles = reader ? undefined : filterNeedles(req.types);
  let next = pos;
  while (pos < size && events.length < req.limit && pos - from < MAX_SCAN && !budget.cut) {
    const { bytesRead } = await handle.read(buf, 0, Math.min(CHUNK, size - pos), pos);
    if (bytesRead === 0) break;
    let i = 0;
    while (i < bytesRead && events.length < req.limit && !budget.cut) {
      if (needles && parts.length === 0) {
        // Whole lines before the first possible match in this chunk are skipped unread.
        const skipTo = lastNewlineBefore(buf, i, firstHit(buf, needles, i, bytesRead));
        if (skipTo > i) {
          lineStart = pos + skipTo;
          next = lineStart;
          i = skipTo;
          continue;
        }
      }
      const nl = buf.indexOf(10, i);
      const end = nl < 0 || nl >= bytesRead ? bytesRead : nl;
      if (!oversized) {
        parts.push(Buffer.from(buf.subarray(i, end)));
        partBytes += end - i;
        if (partBytes > MAX_LINE) {
          oversized = true;
          parts = [];
        }
      }
      if (end === bytesRead) break;
      const lineEnd = pos + end + 1;
      const taken = oversized
        ? [{ type: "codexmcp.oversized_line", bytes: lineEnd - lineStart - 1 }]
        : accept(Buffer.concat(parts).toString("utf8"), req, reader).map((e) =>
            truncateStrings(e, req.truncate),
          );
      // A line's events go on one page together: the next page starts at the line.
      if (!budget.fits(taken, events.length)) break;
      for (const event of taken) events.push({ cursor: lineStart, event });
      parts = [];
      partBytes = 0;
      oversized = false;
      lineStart = lineEnd;
      next = lineEnd;
      i = end + 1;
    }
    pos += bytesRead;
  }
  if (reader && req.ended && next >= size && events.length < req.limit && !budget.cut) {
    for (const event of keepKinds(reader.end(), req.types))
      events.push({ cursor: lineStart, event: truncateStrings(event, req.truncate) });
  }
  return {
    events,
    next_cursor: next,
    has_more: next < size,
    size,
    ...(budget.cut ? { cut_at_bytes: true } : {}),
  };
}

async function tail(handle: fsp.FileHandle, size: number, req: EventsPageRequest): Promise<EventsPage> {
  const found: PagedEvent[] = [];
  let end = size;
  // A last line without its newline is still being written: it is not an event yet.
  let carry = Buffer.alloc(0);
  let pos = size;
  let lastComplete: number | undefined;
  const budget = new Budget(req.maxBytes);
  while (pos > 0 && found.length < req.limit && size - pos < MAX_SCAN && !budget.cut) {
    const start = Math.max(0, pos - CHUNK);
    const chunk = Buffer.alloc(pos - start);
    await handle.read(chunk, 0, chunk.length, start);
    let data = Buffer.concat([chunk, carry]);
    let dataStart = start;
    if (lastComplete === undefined) {
      const nl = data.lastIndexOf(10);
      if (nl < 0 && start > 0) {
        carry = data;
        pos = start;
        continue;
      }
      lastComplete = nl < 0 ? 0 : start + nl + 1;
      data = data.subarray(0, nl + 1);
      end = lastComplete;
    }
    // Lines wholly inside `data` except possibly the first (cut by the chunk boundary).
    const lines: { offset: number; text: string }[] = [];
    let lineEnd = data.length;
    for (let i = data.length - 2; i >= -1; i--) {
      if (i === -1 || data[i] === 10) {
        if (i === -1 && dataStart > 0) break;
        lines.push({ offset: dataStart + i + 1, text: data.subarray(i + 1, lineEnd).toString("utf8") });
        lineEnd = i + 1;
      }
    }
    for (const line of lines) {
      if (found.length >= req.limit) break;
      // Lines are read newest first; a line's own events keep their order.
      // Newest first: each line through a reader of its own (no order to keep state in).
      const events = accept(line.text, req, req.normalize?.())
        .reverse()
        .map((e) => truncateStrings(e, req.truncate));
      if (!budget.fits(events, found.length)) break;
      for (const event of events) found.push({ cursor: line.offset, event });
    }
    carry = Buffer.from(data.subarray(0, lineEnd));
    if (carry.length > MAX_LINE) carry = Buffer.alloc(0);
    pos = start;
    dataStart = start;
  }
  return {
    events: found.reverse(),
    next_cursor: end,
    has_more: false,
    size,
    ...(budget.cut ? { cut_at_bytes: true } : {}),
  };
}

/** One page of a task's events, read in bounded chunks: fast and small on a multi-gigabyte file. */
export async function readEventsPage(req: EventsPageRequest): Promise<EventsPage> {
  const handle = await openReadNoFollow(req.file);
  if (!handle) return { events: [], next_cursor: 0, has_more: false, size: 0 };
  try {
    const { size } = await handle.stat();
    return req.cursor === "tail"
      ? await tail(handle, size, req)
      : await forward(handle, size, req, req.cursor);
  } finally {
    await handle.close();
  }
}
