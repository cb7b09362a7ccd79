import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../src/tasks/waiter.js";

describe("waitFor", () => {
  it("wakes on a file appearing, long before its poll interval", async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-unit-"));
    const file = path.join(dir, "result.json");
    const started = Date.now();
    setTimeout(() => void fsp.writeFile(file, "{}"), 100);
    const value = await waitFor(async () => ((await fsp.stat(file).catch(() => null)) ? "seen" : undefined), {
      watch: [dir],
      pollMs: 60_000,
      timeoutMs: 30_000,
    });
    expect(value).toBe("seen");
    expect(Date.now() - started).toBeLessThan(30_000);
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it("with a zero timeout, still answers from one check (a value that is already there is found)", async () => {
    expect(await waitFor(async () => "ready", { watch: [], pollMs: 1000, timeoutMs: 0 })).toBe("ready");
    const slowCheck = async () => {
      await new Promise((r) => setTimeout(r, 30));
      return "after a slow check";
    };
    expect(await waitFor(slowCheck, { watch: [], pollMs: 1000, timeoutMs: 0 })).toBe("after a slow check");
    expect(await waitFor(async () => undefined, { watch: [], pollMs: 1000, timeoutMs: 0 })).toBeUndefined();
  });

  it("returns undefined on timeout and on abort", async () => {
    expect(await waitFor(async () => undefined, { watch: [], pollMs: 10, timeoutMs: 50 })).toBeUndefined();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    expect(
      await waitFor(async () => undefined, { watch: [], pollMs: 10, signal: controller.signal }),
    ).toBeUndefined();
  });

  it("propagates a failing check", async () => {
    await expect(
      waitFor(async () => Promise.reject(new Error("boom")), { watch: [], pollMs: 10, timeoutMs: 1000 }),
    ).rejects.toThrow("boom");
  });
});
