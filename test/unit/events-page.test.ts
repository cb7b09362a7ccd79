import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatCursor, parseCursor, readJournal } from "../../src/core/journal.js";
import { readEventsPage, truncateStrings } from "../../src/tasks/events-page.js";

const TYPES = ["command_execution", "agent_message", "reasoning", "file_change"];

function makeEvents(n: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [{ type: "thread.started", thread_id: "t-1" }];
  for (let i = 1; i < n; i++) {
    const kind = TYPES[i % TYPES.length] ?? "reasoning";
    // Line lengths vary from a few bytes to ~150 KB so pages straddle the 64 KiB read chunks.
    const text = `${i}:${"y".repeat((i * 7919) % (i % 50 === 0 ? 150_000 : 900))}`;
    out.push({
      type: i % 10 === 0 ? "turn.completed" : "item.completed",
      item: { id: `i${i}`, type: kind, text },
      usage: { n: i },
    });
  }
  return out;
}

describe("paging events.jsonl", () => {
  let dir: string;
  let file: string;
  let events: Record<string, unknown>[];

  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-unit-"));
    file = path.join(dir, "events.jsonl");
    events = makeEvents(2000);
    // A trailing partial line: an event still being written must not be served.
    await fsp.writeFile(file, `${events.map((e) => JSON.stringify(e)).join("\n")}\n{"type":"item.comp`);
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it("pages forward through every event exactly once with increasing cursors", async () => {
    for (const limit of [1, 7, 50, 500]) {
      const seen: unknown[] = [];
      let cursor = 0;
      let last = -1;
      for (;;) {
        const page = await readEventsPage({ file, cursor, limit, truncate: 0 });
        for (const e of page.events) {
          expect(e.cursor).toBeGreaterThan(last);
          last = e.cursor;
          seen.push(e.event);
        }
        expect(page.next_cursor).toBeGreaterThanOrEqual(cursor);
        if (!page.has_more || page.events.length === 0) break;
        cursor = page.next_cursor;
      }
      expect(seen).toEqual(events);
    }
  });

  it("resumes from any event's own cursor", async () => {
    const first = await readEventsPage({ file, cursor: 0, limit: 100, truncate: 0 });
    const mid = first.events[60];
    const again = await readEventsPage({ file, cursor: mid?.cursor ?? 0, limit: 3, truncate: 0 });
    expect(again.events.map((e) => e.event)).toEqual(events.slice(60, 63));
  });

  it("serves the tail without reading from the start, leaving out a partial last line", async () => {
    for (const limit of [1, 5, 120]) {
      const page = await readEventsPage({ file, cursor: "tail", limit, truncate: 0 });
      expect(page.events.map((e) => e.event)).toEqual(events.slice(-limit));
      expect(page.has_more).toBe(false);
      const after = await readEventsPage({ file, cursor: page.next_cursor, limit: 10, truncate: 0 });
      expect(after.events).toEqual([]);
    }
    const tail = await readEventsPage({ file, cursor: "tail", limit: 2, truncate: 0 });
    const forward = await readEventsPage({
      file,
      cursor: tail.events[0]?.cursor ?? 0,
      limit: 2,
      truncate: 0,
    });
    expect(forward.events).toEqual(tail.events);
  });

  it("filters by event type, item type or both, forward and from the tail", async () => {
    const page = await readEventsPage({ file, cursor: 0, limit: 500, types: ["agent_message"], truncate: 0 });
    expect(page.events.length).toBeGreaterThan(0);
    for (const e of page.events)
      expect((e.event as { item: { type: string } }).item.type).toBe("agent_message");
    const turns = await readEventsPage({
      file,
      cursor: "tail",
      limit: 3,
      types: ["turn.completed"],
      truncate: 0,
    });
    expect(turns.events.map((e) => e.event)).toEqual(
      events.filter((e) => e.type === "turn.completed").slice(-3),
    );
    const both = await readEventsPage({
      file,
      cursor: 0,
      limit: 5,
      types: ["item.completed:file_change"],
      truncate: 0,
    });
    for (const e of both.events)
      expect(e.event).toMatchObject({ type: "item.completed", item: { type: "file_change" } });
  });

  it("a filtered page skips non-matching lines without losing a match at any chunk boundary", async () => {
    const kinds = (e: Record<string, unknown>) => {
      const item = (e.item as { type?: string } | undefined)?.type;
      return [String(e.type), ...(item ? [item, `${String(e.type)}:${item}`] : [])];
    };
    for (const types of [
      ["file_change"],
      ["turn.completed"],
      ["item.completed:agent_message"],
      ["web_search"],
    ]) {
      for (const limit of [1, 13, 400]) {
        const seen: unknown[] = [];
        let cursor = 0;
        for (let calls = 0; ; calls++) {
          expect(calls).toBeLessThan(5000);
          const page = await readEventsPage({ file, cursor, limit, types, truncate: 0 });
          expect(page.next_cursor).toBeGreaterThanOrEqual(cursor);
          seen.push(...page.events.map((e) => e.event));
          // The file ends in a line still being written: has_more stays true, the cursor stops.
          if (!page.has_more || (page.events.length === 0 && page.next_cursor === cursor)) break;
          cursor = page.next_cursor;
        }
        expect(seen).toEqual(events.filter((e) => kinds(e).some((k) => types.includes(k))));
      }
    }
  });

  it("caps every string at truncate characters, and truncate=0 leaves them whole", async () => {
    const capped = await readEventsPage({ file, cursor: "tail", limit: 50, truncate: 10 });
    for (const e of capped.events) {
      const text = (e.event as { item?: { text?: string } }).item?.text ?? "";
      expect(text.length).toBeLessThanOrEqual(10 + "…[+000000 chars]".length);
    }
    const whole = await readEventsPage({ file, cursor: "tail", limit: 50, truncate: 0 });
    expect(whole.events.map((e) => e.event)).toEqual(events.slice(-50));
    expect(truncateStrings({ a: ["abcdef", { b: "xy" }], n: 1 }, 3)).toEqual({
      a: ["abc…[+3 chars]", { b: "xy" }],
      n: 1,
    });
  });

  it("answers an empty or missing file", async () => {
    expect(
      await readEventsPage({ file: path.join(dir, "none"), cursor: "tail", limit: 5, truncate: 0 }),
    ).toEqual({
      events: [],
      next_cursor: 0,
      has_more: false,
      size: 0,
    });
  });
});

describe("completion journal", () => {
  it("reads complete lines after a cursor and skips torn ones", async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-unit-"));
    const file = path.join(dir, "completions.jsonl");
    const a = `${JSON.stringify({ task_id: "codex-a-x-v1", status: "completed", finished_at: "t", created_at: "c1" })}\n`;
    const b = `${JSON.stringify({ task_id: "codex-b-x-v1", status: "failed", finished_at: "t", created_at: "c2" })}\n`;
    await fsp.writeFile(file, `${a}{"torn\n${b}{"task_id":"partial`);
    const all = await readJournal(file, 0);
    expect(all.entries.map((e) => e.task_id)).toEqual(["codex-a-x-v1", "codex-b-x-v1"]);
    expect(all.end).toBe(Buffer.byteLength(`${a}{"torn\n${b}`));
    const after = await readJournal(file, all.entries[0]?.next ?? 0);
    expect(after.entries.map((e) => e.task_id)).toEqual(["codex-b-x-v1"]);
    expect(parseCursor(formatCursor(123))).toBe(123);
    expect(parseCursor("nonsense")).toBeNaN();
    expect(parseCursor(undefined)).toBeUndefined();
    await fsp.rm(dir, { recursive: true, force: true });
  });
});
