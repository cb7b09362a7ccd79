import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readJsonIfExists, writeJsonAtomic, writeJsonOnce } from "../../src/util/files.js";
import { readTail, tailLines } from "../../src/util/tail.js";

describe("atomic and write-once files", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-unit-"));
  });
  afterEach(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it("lets exactly one of many concurrent writers record an outcome, whole", async () => {
    const file = path.join(dir, "result.json");
    const wins = await Promise.all(
      Array.from({ length: 40 }, (_, i) => writeJsonOnce(file, { writer: i, pad: "x".repeat(10_000) })),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    const winner = wins.indexOf(true);
    expect(await readJsonIfExists(file)).toEqual({ writer: winner, pad: "x".repeat(10_000) });
    expect((await fsp.readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("replaces files atomically with private permissions", async () => {
    const file = path.join(dir, "meta.json");
    await writeJsonAtomic(file, { a: 1 });
    await writeJsonAtomic(file, { a: 2 });
    expect(await readJsonIfExists(file)).toEqual({ a: 2 });
    expect((await fsp.stat(file)).mode & 0o777).toBe(0o600);
    expect(await readJsonIfExists(path.join(dir, "missing.json"))).toBeUndefined();
  });

  it("reads the tail of a file from a line boundary without reading the rest", async () => {
    const file = path.join(dir, "log");
    await fsp.writeFile(file, Array.from({ length: 1000 }, (_, i) => `line ${i}`).join("\n"));
    const tail = await readTail(file, 50);
    expect(tail.cut).toBe(true);
    expect(tail.text.split("\n")[0]).toMatch(/^line \d+$/);
    expect(await tailLines(file, 3)).toEqual(["line 997", "line 998", "line 999"]);
    expect(await tailLines(path.join(dir, "none"), 3)).toEqual([]);
  });
});
