import { promises as fsp } from "node:fs";
import path from "node:path";
import { ResourceListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";

describe("orchestrating long tasks: codex_wait, codex_events, codex_reply, max_wait_seconds, resources", () => {
  let sb: Sandbox;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create();
    for (const s of [1, 2, 3]) sb.model.script(`sleep${s}`, [{ sh: `sleep ${s}` }, { say: `slept ${s}` }]);
    sb.model.script("hang", [{ hang: true }]);
    sb.model.script("write-a", [
      { sh: "echo A > a.txt && git add a.txt && git commit -qm a" },
      { say: "wrote a" },
    ]);
    sb.model.script("write-b", [{ sh: "test -f a.txt && echo B > b.txt" }, { say: "wrote b next to a" }]);
    mcp = await McpSession.start(sb.env({ CODEXMCP_WAIT_TIMEOUT: "20" }));
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  const dispatch = (session: McpSession, script: string, topic: string, sandbox = "read-only") =>
    session.ok("codex_dispatch", { prompt: `[[script:${script}]]`, cwd: sb.repo, topic, sandbox });

  it("waits on several tasks and returns each completion exactly once, then idle", async () => {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (const s of [3, 1, 2]) {
      const d = await dispatch(mcp, `sleep${s}`, `review-multi${s}-v1`);
      ids.push(String(d.task_id));
      cursor ??= String(d.cursor);
    }
    const order: string[] = [];
    const finished: string[] = [];
    for (let i = 0; i < 3; i++) {
      const w = await mcp.ok("codex_wait", { task_ids: ids, cursor, timeout_seconds: 30 });
      expect(w.status).toBe("completed");
      const task = w.task as Record<string, unknown>;
      expect(task.result).toMatch(/^slept \d$/);
      order.push(String(w.task_id));
      finished.push(String(task.finished_at));
      cursor = String(w.cursor);
      expect((w.running as unknown[]).length).toBeLessThanOrEqual(2 - i);
    }
    // Each task once, in the order they ended.
    expect([...order].sort()).toEqual([...ids].sort());
    expect([...finished].sort()).toEqual(finished);
    const idle = await mcp.ok("codex_wait", { task_ids: ids, cursor, timeout_seconds: 5 });
    expect(idle.status).toBe("idle");
  });

  it("returns at once a completion that happened between two calls, and times out with a usable cursor", async () => {
    const d = await dispatch(mcp, "sleep1", "review-between-v1");
    const first = await mcp.ok("codex_wait", { task_ids: [d.task_id], cursor: d.cursor, timeout_seconds: 0 });
    expect(first).toMatchObject({
      status: "timeout",
      running: [expect.objectContaining({ task_id: "codex-review-between-v1" })],
    });
    await untilEnded(mcp, "codex-review-between-v1");
    // A zero timeout checks once: a task that has ended is returned, not "timeout".
    const immediate = await mcp.ok("codex_wait", { task_ids: [d.task_id], timeout_seconds: 0 });
    expect(immediate).toMatchObject({ status: "completed", task_id: "codex-review-between-v1" });
    // The cursor is from before the end: the ending is found in the journal, not waited for.
    const second = await mcp.ok("codex_wait", {
      task_ids: [d.task_id],
      cursor: first.cursor,
      timeout_seconds: 20,
    });
    expect(second).toMatchObject({ status: "completed", task_id: "codex-review-between-v1" });

    // Any task: a timeout, then a cancel seen through the same cursor.
    const long = await dispatch(mcp, "hang", "longrun-waitany-v1", "full-access");
    const t = await mcp.ok("codex_wait", { cursor: long.cursor, timeout_seconds: 1 });
    expect(t.status).toBe("timeout");
    expect((t.running as { task_id: string }[]).map((r) => r.task_id)).toContain("codex-longrun-waitany-v1");
    await mcp.ok("codex_cancel", { task_id: long.task_id });
    const c = await mcp.ok("codex_wait", { cursor: t.cursor, timeout_seconds: 10 });
    expect(c).toMatchObject({ status: "cancelled", task_id: "codex-longrun-waitany-v1" });
  });

  it("sees a completion recorded by another server process, also after the dispatching server is gone", async () => {
    const a = await McpSession.start(sb.env());
    const d = await dispatch(a, "sleep2", "review-crossproc-v1");
    process.kill(a.pid ?? -1, "SIGKILL");
    await a.close();
    const b = await McpSession.start(sb.env());
    try {
      const w = await b.ok("codex_wait", { cursor: d.cursor, timeout_seconds: 30 });
      expect(w).toMatchObject({ status: "completed", task_id: "codex-review-crossproc-v1" });
      expect((w.task as Record<string, unknown>).result).toBe("slept 2");
    } finally {
      await b.close();
    }
  });

  it("rejects a bad cursor and unknown tasks with a clear message", async () => {
    const bad = await mcp.call("codex_wait", { cursor: "../../x" });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/Invalid cursor/);
    const unknown = await mcp.call("codex_wait", { task_ids: ["codex-review-nope-v1"] });
    expect(unknown.text).toMatch(/No task codex-review-nope-v1 exists/);
  });

  it("codex_events pages a large events file with filters and truncate=0", async () => {
    const d = await dispatch(mcp, "sleep1", "review-bigevents-v1");
    await untilEnded(mcp, String(d.task_id));
    const file = path.join(sb.taskDir(String(d.task_id)), "events.jsonl");
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const item =
        i % 3 === 0
          ? { id: `m${i}`, type: "agent_message", text: `message ${i} ${"z".repeat(3000)}` }
          : {
              id: `c${i}`,
              type: "command_execution",
              command: `echo ${i}`,
              aggregated_output: "x".repeat(500),
              exit_code: 0,
            };
      lines.push(JSON.stringify({ type: "item.completed", item }));
    }
    await fsp.writeFile(file, `${lines.join("\n")}\n`);
    const size = (await fsp.stat(file)).size;

    const first = await mcp.ok("codex_events", {
      task_id: d.task_id,
      limit: 100,
      types: ["agent_message"],
      truncate: 0,
      max_bytes: 4 * 1024 * 1024,
    });
    const evs = first.events as { cursor: number; event: { item: { type: string; text: string } } }[];
    expect(evs).toHaveLength(100);
    expect(evs.every((e) => e.event.item.type === "agent_message")).toBe(true);
    expect(evs[0]?.event.item.text).toBe(`message 0 ${"z".repeat(3000)}`);
    expect(first.has_more).toBe(true);
    const second = await mcp.ok("codex_events", {
      task_id: d.task_id,
      cursor: first.next_cursor,
      limit: 100,
      types: ["agent_message"],
      truncate: 0,
      max_bytes: 4 * 1024 * 1024,
    });
    expect(
      (second.events as { event: { item: { text: string } } }[])[0]?.event.item.text.startsWith(
        "message 300 ",
      ),
    ).toBe(true);
    const capped = await mcp.ok("codex_events", { task_id: d.task_id, limit: 1, truncate: 20 });
    expect((capped.events as { event: { item: { text: string } } }[])[0]?.event.item.text).toBe(
      `message 0 ${"z".repeat(10)}…[+2990 chars]`,
    );
    const tail = await mcp.ok("codex_events", { task_id: d.task_id, cursor: "tail", limit: 2 });
    expect((tail.events as { event: { item: { id: string } } }[]).map((e) => e.event.item.id)).toEqual([
      "m19998",
      "c19999",
    ]);
    expect(tail.next_cursor).toBe(size);

    // The normalized view: the same lines in the shape every agent shares, at the same cursors.
    const normalized = await mcp.ok("codex_events", {
      task_id: d.task_id,
      view: "normalized",
      types: ["command"],
      limit: 2,
      truncate: 0,
    });
    expect(normalized.view).toBe("normalized");
    expect(normalized.agent).toBe("codex");
    const cmds = normalized.events as { cursor: number; event: Record<string, unknown> }[];
    expect(cmds.map((e) => e.event)).toEqual([
      {
        kind: "command",
        phase: "completed",
        id: "c1",
        command: "echo 1",
        exit_code: 0,
        output: "x".repeat(500),
      },
      {
        kind: "command",
        phase: "completed",
        id: "c2",
        command: "echo 2",
        exit_code: 0,
        output: "x".repeat(500),
      },
    ]);
    const raw = await mcp.ok("codex_events", { task_id: d.task_id, cursor: cmds[0]?.cursor, limit: 1 });
    expect((raw.events as { event: { item: { id: string } } }[])[0]?.event.item.id).toBe("c1");
    const bad = await mcp.call("codex_events", { task_id: d.task_id, view: "pretty" });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('view must be "raw" or "normalized"');
  });

  it("codex_reply continues a real Codex thread in the same worktree as the next version; a running task is refused", async () => {
    const v1 = await mcp.ok("codex", {
      prompt: "first [[script:write-a]]",
      cwd: sb.repo,
      topic: "implement-chain-v1",
      sandbox: "full-access",
    });
    const r = await mcp.ok("codex_reply", { task_id: v1.task_id, prompt: "second [[script:write-b]]" });
    expect(r).toMatchObject({
      task_id: "codex-implement-chain-v2",
      replied_to: "codex-implement-chain-v1",
      resume_session_id: v1.session_id,
      worktree_dir: v1.worktree_dir,
    });
    const w = await mcp.ok("codex_wait", { task_ids: [r.task_id], cursor: r.cursor, timeout_seconds: 30 });
    const v2 = w.task as Record<string, unknown>;
    expect(v2).toMatchObject({ status: "completed", result: "wrote b next to a", session_id: v1.session_id });
    expect(await fsp.readFile(path.join(String(v1.worktree_dir), "b.txt"), "utf8")).toBe("B\n");
    const resumed = sb.model.requests.find((q) => q.script === "write-b");
    expect(JSON.stringify(resumed?.body)).toContain("first [[script:write-a]]");

    const running = await dispatch(mcp, "hang", "longrun-replyrunning-v1", "full-access");
    const refused = await mcp.call("codex_reply", { task_id: running.task_id, prompt: "more" });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/still (starting|running).*codex_wait/);
    await mcp.ok("codex_cancel", { task_id: running.task_id });
  });

  it("max_wait_seconds hands a blocking codex call over to codex_wait; the task goes on", async () => {
    const r = await mcp.ok("codex", {
      prompt: "[[script:sleep3]]",
      cwd: sb.repo,
      topic: "review-handoff-v1",
      sandbox: "read-only",
      max_wait_seconds: 1,
    });
    expect(r.status).toBe("running");
    expect(String(r.hint)).toContain("codex_wait");
    const w = await mcp.ok("codex_wait", { task_ids: [r.task_id], timeout_seconds: 30 });
    expect(w).toMatchObject({ status: "completed", task_id: "codex-review-handoff-v1" });
    expect((w.task as Record<string, unknown>).result).toBe("slept 3");
  });

  it("serves transcripts as resources and announces new tasks, also those of other server processes", async () => {
    const templates = await mcp.client.listResourceTemplates();
    expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual(
      expect.arrayContaining(["codexmcp://tasks/{task_id}/log", "codexmcp://tasks/{task_id}/result"]),
    );
    let announced = 0;
    mcp.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
      announced++;
    });
    const other = await McpSession.start(sb.env());
    try {
      await dispatch(other, "sleep1", "review-announced-v1");
    } finally {
      await other.close();
    }
    await until("a resources/list_changed notification", async () => announced > 0, 10_000);
    await untilEnded(mcp, "codex-review-announced-v1");
    const { resources } = await mcp.client.listResources();
    expect(resources.map((r) => r.uri)).toContain("codexmcp://tasks/codex-review-announced-v1/log");
    const log = await mcp.client.readResource({ uri: "codexmcp://tasks/codex-review-announced-v1/log" });
    expect(JSON.stringify(log.contents[0])).toContain("slept 1");
    const result = await mcp.client.readResource({
      uri: "codexmcp://tasks/codex-review-announced-v1/result",
    });
    const body = result.contents[0];
    expect(JSON.parse(body && "text" in body ? body.text : "{}")).toMatchObject({
      status: "completed",
      result: "slept 1",
    });
    await expect(mcp.client.readResource({ uri: "codexmcp://tasks/..%2Fetc/log" })).rejects.toThrow();
  });
});
