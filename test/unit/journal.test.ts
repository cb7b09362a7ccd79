import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findEntry, JOURNAL_READ_BYTES, readJournal, recordsOnLine } from "../../src/core/journal.js";
import { appendLine } from "../../src/util/files.js";

const record = (id: string, created = "2026-01-01T00:00:00.000Z") =>
  JSON.stringify({
    task_id: id,
    status: "completed",
    finished_at: "2026-01-01T00:01:00.000Z",
    created_at: created,
  });

describe("the completion journal", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), "journal-"));
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it("a writer after a torn line starts on a line of its own", async () => {
    const file = path.join(dir, "torn.jsonl");
    await appendLine(file, record("codex-review-a-v1"));
    await fsp.appendFile(file, '{"task_id":"codex-review-b-v1","sta');
    await appendLine(file, record("codex-review-c-v1"));
    const { entries, end } = await readJournal(file, 0);
    expect(entries.map((e) => e.task_id)).toEqual(["codex-review-a-v1", "codex-review-c-v1"]);
    expect(end).toBe((await fsp.stat(file)).size);
  });

  it("a record glued onto a torn fragment (by an older writer) is still found, at its own offset", () => {
    const line = Buffer.from(`{"task_id":"codex-review-x-v1","status":"comp${record("codex-review-y-v1")}`);
    const found = recordsOnLine(line);
    expect(found.map((f) => f.record.task_id)).toEqual(["codex-review-y-v1"]);
    expect(line.subarray(found[0]?.at).toString().startsWith('{"task_id":"codex-review-y-v1"')).toBe(true);
    expect(recordsOnLine(Buffer.from("garbage"))).toEqual([]);
    expect(recordsOnLine(Buffer.from('{"task_id":"x","status":7}'))).toEqual([]);
  });

  it("reads at most JOURNAL_READ_BYTES per call and finds a run's entry in a 100 MB journal from the end", async () => {
    const file = path.join(dir, "big.jsonl");
    const filler = `${record("codex-review-filler-v1")}\n`;
    const block = filler.repeat(Math.ceil((4 * 1024 * 1024) / filler.length));
    const handle = await fsp.open(file, "w");
    await handle.appendFile(`${record("codex-review-first-v1", "2026-01-01T00:00:01.000Z")}\n`);
    while ((await handle.stat()).size < 100 * 1024 * 1024) await handle.appendFile(block);
    await handle.appendFile(`${record("codex-review-first-v1", "2026-02-02T00:00:00.000Z")}\n`);
    await handle.appendFile(`${record("codex-review-last-v1")}\n`);
    await handle.close();
    const size = (await fsp.stat(file)).size;

    const first = await readJournal(file, 0);
    expect(first.end).toBeLessThanOrEqual(JOURNAL_READ_BYTES);
    expect(first.entries[0]?.task_id).toBe("codex-review-first-v1");

    const last = await findEntry(file, "codex-review-last-v1", "2026-01-01T00:00:00.000Z");
    expect(last?.next).toBe(size);
    // The current run of a re-run topic, and its first run at the very start of the file.
    const rerun = await findEntry(file, "codex-review-first-v1", "2026-02-02T00:00:00.000Z");
    const original = await findEntry(file, "codex-review-first-v1", "2026-01-01T00:00:01.000Z");
    expect(original?.offset).toBe(0);
    expect(rerun && original && rerun.offset > original.offset).toBe(true);
    const buf = Buffer.alloc(200);
    const h = await fsp.open(file, "r");
    await h.read(buf, 0, 200, rerun?.offset ?? 0);
    await h.close();
    expect(buf.toString().startsWith('{"task_id":"codex-review-first-v1"')).toBe(true);
    expect(await findEntry(file, "codex-review-never-v1", "x")).toBeUndefined();
  }, 120_000);
});
