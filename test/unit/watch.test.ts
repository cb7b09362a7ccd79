import { describe, expect, it } from "vitest";
import { renderWatch, type WatchRow } from "../../src/cli/commands/watch.js";
import { paint } from "../../src/cli/style.js";
import type { TaskMeta } from "../../src/core/types.js";
import type { Observation } from "../../src/lifecycle/observe.js";

function row(i: number, status: "running" | "queued" | "completed", idle?: number): WatchRow {
  const meta = {
    task_id: `codex-longrun-t${i}-v1`,
    created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    started_at: status === "queued" ? null : new Date().toISOString(),
  } as unknown as TaskMeta;
  const obs = { meta, status, result: undefined, runner: undefined } as unknown as Observation;
  return {
    obs,
    activity: `running: step ${i}`,
    queuePosition: status === "queued" ? i : undefined,
    idleSeconds: idle,
  };
}

describe("codexmcp watch frames", () => {
  it.each([8, 10, 24, 40])(
    "a %i-row terminal: the frame leaves the last row free, so the heading never scrolls away",
    (height) => {
      for (const count of [0, 1, height - 5, height - 4, height - 3, height, 3 * height]) {
        const rows = Array.from({ length: count }, (_, i) => row(i, i % 3 === 0 ? "queued" : "running", i));
        const frame = renderWatch(rows, { p: paint(false), width: 120, height, maxParallel: 4, home: "/h" });
        const lines = frame.split("\n").length - 1; // the frame ends with a newline
        expect(lines, `${count} tasks`).toBeLessThanOrEqual(height - 1);
        expect(frame.startsWith("codexmcp watch")).toBe(true);
        if (count > height - 4) expect(frame).toMatch(/… \d+ more/);
      }
    },
  );

  it("shows how long each running task has been idle", () => {
    const frame = renderWatch([row(1, "running", 75), row(2, "queued")], {
      p: paint(false),
      width: 120,
      height: 20,
      maxParallel: 4,
      home: "/h",
    });
    expect(frame).toMatch(/TASK\s+STATUS\s+ELAPSED\s+IDLE\s+TOKENS\s+ACTIVITY/);
    expect(frame).toMatch(/codex-longrun-t1-v1\s+running\s+\S+\s+1m15s\s+running: step 1/);
  });
});

describe("the interactive watch frame", () => {
  const opts = (selected: string, height: number) => ({
    p: paint(false),
    width: 100,
    height,
    maxParallel: 4,
    home: "/h",
    selected,
    message: "a message",
    footer: "the keys",
  });

  it("keeps the selected task on screen however far down it is, with the message and keys below", () => {
    const rows = Array.from({ length: 50 }, (_, i) => row(i, "running", i));
    for (const pick of [0, 7, 25, 49]) {
      const id = `codex-longrun-t${pick}-v1`;
      const frame = renderWatch(rows, opts(id, 12));
      const lines = frame.split("\n").slice(0, -1);
      expect(lines.length, id).toBeLessThanOrEqual(11);
      expect(
        lines.filter((l) => l.startsWith("› ")),
        id,
      ).toEqual([expect.stringContaining(id)]);
      expect(lines.at(-2)).toBe("a message");
      expect(lines.at(-1)).toBe("the keys");
    }
  });

  it("cuts lines at the terminal's width instead of wrapping them", () => {
    const frame = renderWatch([row(1, "running", 3)], { ...opts("codex-longrun-t1-v1", 20), width: 30 });
    for (const l of frame.split("\n")) expect([...l].length).toBeLessThanOrEqual(30);
  });
});

describe("the watch bell", () => {
  it("carries only printable text inside OSC 9", async () => {
    const { bellSequence } = await import("../../src/cli/watch/bell.js");
    const esc = String.fromCharCode(27);
    expect(bellSequence(`codexmcp: a\u0007b${esc}]0;x`)).toBe(`${esc}]9;codexmcp: a b ]0;x\u0007\u0007`);
  });
});
