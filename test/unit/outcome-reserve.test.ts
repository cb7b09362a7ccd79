import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createReserve,
  fitResult,
  RESERVE_BYTES,
  readPending,
  writeOnceFromReserve,
} from "../../src/core/outcome-reserve.js";
import type { TaskResult } from "../../src/core/types.js";

const result = (text: string): TaskResult => ({
  task_id: "codex-implement-x-v1",
  status: "completed",
  success: true,
  session_id: "s",
  result: text,
  exit_code: 0,
  signal: null,
  error: null,
  elapsed_seconds: 1,
  usage: null,
  started_at: null,
  finished_at: "2026-01-01T00:00:00.000Z",
  finalized_by: "runner",
});

describe("the outcome reserve", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), "reserve-"));
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it("writes the outcome in the reserved space, once: a second writer gets false, a missing reserve undefined", async () => {
    const reserve = path.join(dir, "outcome.reserve");
    const pending = path.join(dir, "outcome.pending");
    const target = path.join(dir, "result.json");
    expect(await createReserve(reserve)).toBe(true);
    expect((await fsp.stat(reserve)).size).toBe(RESERVE_BYTES);
    expect(await writeOnceFromReserve(reserve, pending, target, result("done"))).toBe(true);
    expect(JSON.parse(await fsp.readFile(target, "utf8")).result).toBe("done");
    await expect(fsp.stat(reserve)).rejects.toThrow();
    await expect(fsp.stat(pending)).rejects.toThrow();
    expect(await writeOnceFromReserve(reserve, pending, target, result("again"))).toBeUndefined();
    await createReserve(reserve);
    expect(await writeOnceFromReserve(reserve, pending, target, result("late"))).toBe(false);
    expect(JSON.parse(await fsp.readFile(target, "utf8")).result).toBe("done");
  });

  it("a final message too long for the reserve is cut, and says so; a pending outcome reads back", async () => {
    const json = fitResult(result("y".repeat(RESERVE_BYTES * 2)));
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(RESERVE_BYTES);
    expect(JSON.parse(json).result).toMatch(/… \(cut: the state directory was full\)$/);
    const pending = path.join(dir, "p.json");
    await fsp.writeFile(pending, json);
    expect((await readPending(pending))?.status).toBe("completed");
    await fsp.writeFile(pending, " ".repeat(100));
    expect(await readPending(pending)).toBeUndefined();
  });
});
