import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodexTasks } from "../../dist/index.js";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";

describe("the TypeScript API (no MCP) on the same store as the server", () => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("quick", [{ sh: "echo q > q.txt" }, { say: "quick done" }]);
    sb.model.script("again", [{ say: "continued" }]);
    sb.model.script("hang", [{ hang: true }]);
  });
  afterAll(async () => {
    await sb?.dispose();
  });

  it("starts, waits, reads events, replies and cancels; the server sees the same tasks", async () => {
    const tasks = await CodexTasks.open({ env: sb.env() });
    const started = await tasks.start({
      prompt: "[[script:quick]]",
      cwd: sb.repo,
      topic: "implement-api-v1",
      sandbox: "full-access",
    });
    const done = await tasks.wait({ taskIds: [started.task_id], cursor: started.cursor, timeoutMs: 60_000 });
    expect(done.status).toBe("completed");
    if (!("task" in done)) throw new Error("expected a completion");
    expect(done.task).toMatchObject({ result: "quick done", diff_stat: "1 file changed, 1 insertion(+)" });

    const page = await tasks.events(started.task_id, { types: ["agent_message"] });
    expect(page.events.map((e) => (e.event as { item: { text: string } }).item.text)).toEqual(["quick done"]);

    const replied = await tasks.reply(started.task_id, "[[script:again]]");
    expect(replied.task_id).toBe("codex-implement-api-v2");
    const v2 = await tasks.wait({ taskIds: [replied.task_id], timeoutMs: 60_000 });
    expect("task" in v2 && v2.task.result).toBe("continued");

    const run = await tasks.run({
      prompt: "[[script:quick]]",
      cwd: sb.repo,
      topic: "review-api-v1",
      sandbox: "read-only",
    });
    expect(run).toMatchObject({ status: "completed", result: "quick done" });

    const long = await tasks.start({
      prompt: "[[script:hang]]",
      cwd: sb.repo,
      topic: "longrun-api-v1",
      sandbox: "read-only",
    });
    const cancelled = await tasks.cancel(long.task_id);
    expect(cancelled.status, JSON.stringify({ error: cancelled.error, log: cancelled.log_tail })).toBe(
      "cancelled",
    );

    const mcp = await McpSession.start(sb.env());
    try {
      const list = await mcp.ok("codex_status", {});
      expect((list.tasks as { task_id: string }[]).map((t) => t.task_id)).toEqual(
        expect.arrayContaining([
          "codex-implement-api-v1",
          "codex-implement-api-v2",
          "codex-review-api-v1",
          "codex-longrun-api-v1",
        ]),
      );
    } finally {
      await mcp.close();
    }
    expect((await tasks.list()).length).toBe(4);
  });
});
