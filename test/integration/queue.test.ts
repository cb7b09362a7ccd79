import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";

describe("the machine-wide queue (max_parallel)", () => {
  let sb: Sandbox;
  let ledger: string;

  beforeAll(async () => {
    sb = await Sandbox.create();
    ledger = path.join(sb.root, "ledger.txt");
    sb.model.script("q", [
      {
        sh: `echo "start $CODEXMCP_TASK_ID $(date +%s%N)" >> ${ledger}; sleep 2; echo "end $CODEXMCP_TASK_ID $(date +%s%N)" >> ${ledger}`,
      },
      { say: "queued work done" },
    ]);
  });
  afterAll(async () => {
    await sb?.dispose();
  });

  it("two servers dispatching at once never exceed it, start tasks in order, survive a restart, and drop a cancelled queued task", async () => {
    const env = sb.env({ CODEXMCP_MAX_PARALLEL: "2" });
    const a = await McpSession.start(env);
    const b = await McpSession.start(env);
    const topics = Array.from({ length: 7 }, (_, i) => `longrun-q${i}-v1`);
    const dispatched = await Promise.all(
      topics.map((topic, i) =>
        (i % 2 ? a : b).ok("codex_dispatch", {
          prompt: "[[script:q]]",
          cwd: sb.repo,
          topic,
          sandbox: "full-access",
        }),
      ),
    );
    const queued = dispatched.filter((d) => d.status === "queued");
    expect(dispatched.length - queued.length).toBeLessThanOrEqual(2);
    expect(queued.length).toBeGreaterThanOrEqual(5);
    expect(queued.map((d) => d.queue_position).every((p) => typeof p === "number" && p >= 1)).toBe(true);

    // Cancel the task last in the queue (dispatches race, so not the last dispatched): it leaves
    // the queue and never starts, however fast the ones before it run.
    const victim = queued.reduce((last, d) =>
      Number(d.queue_position) > Number(last.queue_position) ? d : last,
    );
    const cancelled = await a.ok("codex_cancel", { task_id: victim?.task_id });
    expect(cancelled).toMatchObject({ status: "cancelled", cancelled: true });
    expect(String(cancelled.error)).toContain("while queued");

    // Both servers die; a new one carries on.
    process.kill(a.pid ?? -1, "SIGKILL");
    process.kill(b.pid ?? -1, "SIGKILL");
    await Promise.all([a.close(), b.close()]);
    const c = await McpSession.start(env);
    try {
      const finished = [];
      for (const d of dispatched) {
        if (d.task_id === victim?.task_id) continue;
        finished.push(await untilEnded(c, String(d.task_id), 120_000));
      }
      expect(finished.every((f) => f.status === "completed")).toBe(true);

      const lines = (await fsp.readFile(ledger, "utf8"))
        .trim()
        .split("\n")
        .map((l) => l.split(" "));
      const starts = lines.filter((l) => l[0] === "start").map((l) => l[1]);
      // Every task ran exactly once; the cancelled one never did.
      expect([...starts].sort()).toEqual(
        dispatched
          .filter((d) => d.task_id !== victim?.task_id)
          .map((d) => String(d.task_id))
          .sort(),
      );
      // Never more than two at once.
      let running = 0;
      let peak = 0;
      for (const [kind] of [...lines].sort((x, y) => Number(BigInt(x[2] ?? "0") - BigInt(y[2] ?? "0")))) {
        running += kind === "start" ? 1 : -1;
        peak = Math.max(peak, running);
      }
      expect(peak).toBeLessThanOrEqual(2);
      // Queued tasks were launched in the order they were queued (codex's own start-up time
      // varies, so the ledger's order of first commands may differ by a few milliseconds).
      const metas = await Promise.all(
        queued
          .filter((d) => d.task_id !== victim?.task_id)
          .map(async (d) =>
            JSON.parse(await fsp.readFile(path.join(sb.taskDir(String(d.task_id)), "meta.json"), "utf8")),
          ),
      );
      const byQueued = [...metas]
        .sort((x, y) => String(x.queued_at).localeCompare(String(y.queued_at)))
        .map((m) => m.task_id);
      const byLaunch = [...metas]
        .sort((x, y) => String(x.starting_at).localeCompare(String(y.starting_at)))
        .map((m) => m.task_id);
      expect(byLaunch).toEqual(byQueued);
      await until("the queue to drain", async () =>
        ((await c.ok("codex_status", {})).tasks as { status: string }[]).every(
          (t) => !["queued", "running", "starting"].includes(t.status),
        ),
      );
    } finally {
      await c.close();
    }
  });
});
