import { execFile } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DELIVERIES_FILE, DELIVERIES_ROTATED, recordDelivery } from "../../src/notify/deliveries.js";
import { testDir } from "../helpers/paths.js";

const run = promisify(execFile);
const DELIVERIES = path.resolve(import.meta.dirname, "../../dist/notify/deliveries.js");

describe("notify/deliveries.jsonl stays bounded", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await testDir("deliveries");
  });
  afterEach(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  const lines = async (name: string) =>
    (await fsp.readFile(path.join(dir, name), "utf8").catch(() => ""))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { writer: number; n: number });

  it("rotates past its limit, with three processes appending at once, keeping whole lines and the newest", async () => {
    const max = 8_000;
    // Each process is a server recording its deliveries.
    const script = `
      const { recordDelivery } = await import(${JSON.stringify(DELIVERIES)});
      const [dir, writer] = process.argv.slice(1);
      for (let n = 0; n < 300; n++)
        await recordDelivery(dir, dir + "/locks", { writer: Number(writer), n, pad: "x".repeat(60) }, ${max});
    `;
    await Promise.all(
      [1, 2, 3].map((w) => run(process.execPath, ["--input-type=module", "-e", script, dir, String(w)])),
    );
    // (The newest file may be gone: the very last append can be the one that rotated it.)
    const current = (await fsp.stat(path.join(dir, DELIVERIES_FILE)).catch(() => undefined)) ?? { size: 0 };
    const rotated = await fsp.stat(path.join(dir, DELIVERIES_ROTATED));
    // 900 records of ~100 bytes were written; about two limits' worth are kept.
    const line = 110;
    expect(current.size).toBeLessThanOrEqual(max + 3 * line);
    expect(rotated.size).toBeLessThanOrEqual(max + 3 * line);
    expect(rotated.size).toBeGreaterThan(max / 2);
    const kept = [...(await lines(DELIVERIES_ROTATED)), ...(await lines(DELIVERIES_FILE))];
    expect(kept.length).toBeLessThan(900);
    // Every kept line is whole (it parsed), and what is gone is only the oldest: each writer's
    // kept records are its last ones, without a gap.
    for (const w of [1, 2, 3]) {
      const ns = kept.filter((r) => r.writer === w).map((r) => r.n);
      if (ns.length === 0) continue;
      expect(ns).toEqual(Array.from({ length: ns.length }, (_, i) => 300 - ns.length + i));
    }
    // A record written after them all is kept.
    await recordDelivery(dir, path.join(dir, "locks"), { writer: 0, n: 0 }, max);
    const after = [...(await lines(DELIVERIES_ROTATED)), ...(await lines(DELIVERIES_FILE))];
    expect(after.at(-1)).toEqual({ writer: 0, n: 0 });
  });

  it("does not rotate below the limit", async () => {
    for (let n = 0; n < 10; n++) await recordDelivery(dir, path.join(dir, "locks"), { n });
    expect((await lines(DELIVERIES_FILE)).map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await expect(fsp.stat(path.join(dir, DELIVERIES_ROTATED))).rejects.toThrow();
  });
});
