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
    expect(frame).toMatch(/TASK\s+STATUS\s+ELAPSED\s+IDLE\s+ACTIVITY/);
    expect(frame).toMatch(/codex-longrun-t1-v1\s+running\s+\S+\s+1m15s\s+running: step 1/);
  });
});
