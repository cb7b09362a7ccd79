import { describe, expect, it } from "vitest";
import { Slots } from "../../src/util/slots.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Slots", () => {
  it("runs at most `limit` at once per key, the rest in call order, keys apart", async () => {
    const slots = new Slots(2);
    const inside = new Map<string, number>();
    const most = new Map<string, number>();
    const started: string[] = [];
    const job = (key: string, i: number) =>
      slots.run(key, async () => {
        started.push(`${key}${i}`);
        inside.set(key, (inside.get(key) ?? 0) + 1);
        most.set(key, Math.max(most.get(key) ?? 0, inside.get(key) ?? 0));
        await sleep(10);
        inside.set(key, (inside.get(key) ?? 0) - 1);
        return i;
      });
    const results = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => job("a", i)),
      ...Array.from({ length: 3 }, (_, i) => job("b", i)),
    ]);
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 0, 1, 2]);
    expect(most.get("a")).toBe(2);
    expect(most.get("b")).toBe(2);
    expect(started.filter((s) => s.startsWith("a"))).toEqual(["a0", "a1", "a2", "a3", "a4", "a5"]);
  });

  it("a holder that throws gives its slot on", async () => {
    const slots = new Slots(1);
    const failing = slots.run("k", async () => {
      throw new Error("boom");
    });
    const next = slots.run("k", async () => "ran");
    await expect(failing).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ran");
    // Nothing is left held: a third call starts at once.
    await expect(slots.run("k", async () => "again")).resolves.toBe("again");
  });
});
