import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processIdentity } from "../../src/proc/liveness.js";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { processesOf, until, untilEnded } from "../helpers/wait.js";

describe("stopping tasks: cancel, client abort, wall-clock timeout", () => {
  let sb: Sandbox;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create();
    // A command that leaves an orphan behind (backgrounded, re-parented to init) and a model
    // that then never answers: only a cancel or the timeout can end this task.
    sb.model.script("orphan-then-hang", [
      { sh: "setsid -f sh -c 'echo $$ > orphan.pid; exec sleep 600' >/dev/null 2>&1; echo started" },
      { hang: true },
    ]);
    sb.model.script("hang", [{ hang: true }]);
    sb.model.script("slow", [{ sh: "sleep 3" }, { say: "outlived its client" }]);
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  it("cancel stops the tmux session, runner, codex and every process codex started; keeps worktree and logs", async () => {
    const d = await mcp.ok("codex_dispatch", {
      prompt: "[[script:orphan-then-hang]]",
      cwd: sb.repo,
      topic: "longrun-cancelme-v1",
      sandbox: "full-access",
    });
    const worktree = String(d.worktree_dir);
    const orphanPid = Number(
      await until(
        "the orphan to start",
        async () =>
          (await fsp.readFile(path.join(worktree, "orphan.pid"), "utf8").catch(() => "")).trim() || undefined,
      ),
    );
    expect(processIdentity(orphanPid)).not.toBeNull();
    expect(processesOf("codex-longrun-cancelme-v1").length).toBeGreaterThanOrEqual(2);

    const c = await mcp.ok("codex_cancel", { task_id: "codex-longrun-cancelme-v1" });
    expect(c).toMatchObject({ cancelled: true, status: "cancelled", success: false });
    expect(String(c.error)).toContain("cancel");

    expect(processesOf("codex-longrun-cancelme-v1")).toEqual([]);
    // Gone, or a zombie waiting for init to reap it: either way it runs no more.
    expect(processIdentity(orphanPid)).toBeNull();
    expect(sb.tmux("list-sessions", "-F", "#{session_name}")).not.toContain("codex-longrun-cancelme-v1");
    await expect(fsp.stat(worktree)).resolves.toBeTruthy();
    expect(await fsp.readFile(String(c.log_file), "utf8")).toContain("setsid -f");

    const again = await mcp.ok("codex_cancel", { task_id: "codex-longrun-cancelme-v1" });
    expect(again).toMatchObject({ cancelled: false, status: "cancelled" });
    expect(String(again.message)).toContain("already ended");
  });

  it("cancels a read-only task (detached process host) the same way", async () => {
    await mcp.ok("codex_dispatch", {
      prompt: "[[script:orphan-then-hang]]",
      cwd: sb.repo,
      topic: "review-cancelme-v1",
      sandbox: "read-only",
    });
    await until("codex to run", async () => processesOf("codex-review-cancelme-v1").length > 0);
    const c = await mcp.ok("codex_cancel", { task_id: "codex-review-cancelme-v1" });
    expect(c.status).toBe("cancelled");
    expect(processesOf("codex-review-cancelme-v1")).toEqual([]);
  });

  it("a person cancelling the blocking codex request cancels its task, and the outcome says so", async () => {
    const controller = new AbortController();
    const call = mcp.call(
      "codex",
      { prompt: "[[script:hang]]", cwd: sb.repo, topic: "longrun-abortme-v1", sandbox: "full-access" },
      { signal: controller.signal },
    );
    await until("the task to run", async () => processesOf("codex-longrun-abortme-v1").length > 0);
    controller.abort();
    await expect(call).rejects.toThrow();
    const s = await untilEnded(mcp, "codex-longrun-abortme-v1", 30_000);
    expect(s.status).toBe("cancelled");
    expect(s.error).toBe(
      "cancelled by the client: it cancelled the blocking codex call (reason: AbortError: This operation was aborted).",
    );
    await until(
      "its processes to go",
      async () => processesOf("codex-longrun-abortme-v1").length === 0,
      15_000,
    );
  });

  it("a client that goes away in the middle of a blocking codex call does not cancel the task", async () => {
    const leaving = await McpSession.start(sb.env());
    const call = leaving.call("codex", {
      prompt: "[[script:slow]]",
      cwd: sb.repo,
      topic: "review-leftbehind-v1",
      sandbox: "read-only",
    });
    await until("the task to run", async () => processesOf("codex-review-leftbehind-v1").length > 0);
    await leaving.close();
    await call.catch(() => undefined);
    const s = await untilEnded(mcp, "codex-review-leftbehind-v1", 30_000);
    expect(s).toMatchObject({ status: "completed", result: "outlived its client" });
    expect(String(s.call_ended)).toMatch(
      /^the blocking codex call ended after [\d.]+s because the client disconnected; the task goes on/,
    );
  });

  it("the client's own tool timeout ends the call, not the task: codex_wait picks up its result", async () => {
    sb.model.script("outlast", [{ sh: "sleep 8" }, { say: "outlasted the timeout" }]);
    // The SDK's timeout, as Claude Code and Cursor use it: progress does not extend it.
    const call = mcp.client.callTool(
      {
        name: "codex",
        arguments: {
          prompt: "[[script:outlast]]",
          cwd: sb.repo,
          topic: "review-outlast-v1",
          sandbox: "read-only",
        },
      },
      undefined,
      { timeout: 3000, onprogress: () => undefined },
    );
    await expect(call).rejects.toThrow(/Request timed out/);
    // The server hears of the client's cancel a moment after the client gave up.
    const running = await until("the ended call on record", async () => {
      const s = await mcp.ok("codex_status", { task_id: "codex-review-outlast-v1" });
      return s.call_ended ? s : undefined;
    });
    expect(running.status).toBe("running");
    expect(String(running.call_ended)).toMatch(
      /^the blocking codex call ended after [\d.]+s at the client's tool-call timeout \(the client said: McpError: MCP error -32001: Request timed out\); the task goes on; the codex_wait tool of this server picks up its result/,
    );
    const w = await mcp.ok("codex_wait", { task_ids: ["codex-review-outlast-v1"], timeout_seconds: 60 });
    expect(w.status).toBe("completed");
    expect((w.task as Record<string, unknown>).result).toBe("outlasted the timeout");
  });

  it("a Codex run that never ends stops at its wall-clock limit as timed_out", async () => {
    const r = await mcp.ok("codex", {
      prompt: "[[script:hang]]",
      cwd: sb.repo,
      topic: "review-forever-v1",
      sandbox: "read-only",
      timeout_seconds: 3,
    });
    expect(r).toMatchObject({ status: "timed_out", success: false });
    expect(String(r.error)).toContain("wall-clock limit");
    expect(Number(r.elapsed_seconds)).toBeGreaterThanOrEqual(3);
    expect(Number(r.elapsed_seconds)).toBeLessThan(20);
    expect(processesOf("codex-review-forever-v1")).toEqual([]);
  });

  it("CODEXMCP_TASK_TIMEOUT sets the default limit, e.g. for a Codex without network", async () => {
    const offline = await McpSession.start(sb.env({ CODEXMCP_TASK_TIMEOUT: "2s" }));
    try {
      // Point Codex at a closed port: it retries "waiting for network" forever.
      const deadHome = sb.codexDir("codex-home-offline");
      await fsp.mkdir(deadHome, { recursive: true });
      const config = (await fsp.readFile(path.join(sb.codexHome, "config.toml"), "utf8")).replace(
        /127\.0\.0\.1:\d+/,
        "127.0.0.1:9",
      );
      await fsp.writeFile(path.join(deadHome, "config.toml"), config);
      await offline.close();
      const mcp2 = await McpSession.start(sb.env({ CODEXMCP_TASK_TIMEOUT: "2s", CODEX_HOME: deadHome }));
      const r = await mcp2.ok("codex", {
        prompt: "hello",
        cwd: sb.repo,
        topic: "review-offline-v1",
        sandbox: "read-only",
      });
      await mcp2.close();
      expect(r.status).toBe("timed_out");
      const events = await fsp.readFile(
        path.join(sb.taskDir("codex-review-offline-v1"), "events.jsonl"),
        "utf8",
      );
      // The limit, not the model, ended it (how far Codex got in its retries in 2 s depends on load).
      expect(String(r.error)).toContain("wall-clock limit");
      expect(events).not.toContain('"turn.completed"');
    } finally {
      await offline.close();
    }
  });
});
