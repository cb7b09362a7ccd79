import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox } from "../helpers/sandbox.js";
import { processesOf, until, untilEnded } from "../helpers/wait.js";

async function runnerPid(sb: Sandbox, taskId: string): Promise<number> {
  return until(`${taskId}'s runner`, async () => {
    const text = await fsp.readFile(path.join(sb.taskDir(taskId), "runner.json"), "utf8").catch(() => "");
    return text ? (JSON.parse(text) as { pid: number }).pid : undefined;
  });
}

async function codexPid(sb: Sandbox, taskId: string): Promise<number> {
  return until(`${taskId}'s codex`, async () => {
    const text = await fsp.readFile(path.join(sb.taskDir(taskId), "runner.json"), "utf8").catch(() => "");
    return text ? (JSON.parse(text) as { agent_pid?: number }).agent_pid : undefined;
  });
}

describe("tasks outlive the server; dead runners are reported, never left running", () => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = await Sandbox.create();
    // The task goes on only when the test says so: it is still running when the second server
    // looks, however slow the machine is.
    sb.model.script("slow-commit", [
      {
        sh: `while [ ! -e ${path.join(sb.root, "go")} ]; do sleep 0.1; done; echo survived > survived.txt && git add survived.txt && git commit -qm survived`,
      },
      { say: "Survived the server." },
    ]);
    sb.model.script("slow-review", [{ sh: "sleep 3" }, { say: "Read-only survived too." }]);
    sb.model.script("hang", [{ hang: true }]);
  });
  afterAll(async () => {
    await sb?.dispose();
  });

  it("a server killed with SIGKILL mid-task; a new server reports each task's true outcome", async () => {
    const first = await McpSession.start(sb.env());
    await first.ok("codex_dispatch", {
      prompt: "[[script:slow-commit]]",
      cwd: sb.repo,
      topic: "implement-survive-v1",
      sandbox: "full-access",
    });
    await first.ok("codex_dispatch", {
      prompt: "[[script:slow-review]]",
      cwd: sb.repo,
      topic: "review-survive-v1",
      sandbox: "read-only",
    });
    await until(
      "both tasks to run",
      async () =>
        processesOf("codex-implement-survive-v1").length > 0 &&
        processesOf("codex-review-survive-v1").length > 0,
    );
    process.kill(first.pid ?? -1, "SIGKILL");
    await first.close();

    const second = await McpSession.start(sb.env());
    try {
      const running = await second.ok("codex_status", { task_id: "codex-implement-survive-v1" });
      expect(running.status).toBe("running");
      await fsp.writeFile(path.join(sb.root, "go"), "");
      const impl = await untilEnded(second, "codex-implement-survive-v1");
      expect(impl).toMatchObject({
        status: "completed",
        success: true,
        result: "Survived the server.",
        commits_ahead: 1,
      });
      expect(gitIn(String(impl.worktree_dir), "log", "-1", "--format=%s")).toBe("survived");
      const review = await untilEnded(second, "codex-review-survive-v1");
      expect(review).toMatchObject({ status: "completed", result: "Read-only survived too." });
    } finally {
      await second.close();
    }
  });

  it("a runner killed with SIGKILL: the task ends failed with the reason, its processes stopped, worktree and logs intact", async () => {
    const mcp = await McpSession.start(sb.env());
    try {
      const d = await mcp.ok("codex_dispatch", {
        prompt: "[[script:hang]]",
        cwd: sb.repo,
        topic: "longrun-runnerdies-v1",
        sandbox: "full-access",
      });
      await until("the Codex session to start", async () =>
        (
          await fsp
            .readFile(path.join(sb.taskDir("codex-longrun-runnerdies-v1"), "events.jsonl"), "utf8")
            .catch(() => "")
        ).includes("thread.started"),
      );
      process.kill(await runnerPid(sb, "codex-longrun-runnerdies-v1"), "SIGKILL");
      const s = await untilEnded(mcp, "codex-longrun-runnerdies-v1");
      expect(s.status).toBe("failed");
      expect(String(s.error)).toMatch(/runner \(pid \d+\) exited without recording a result/);
      expect(String(s.session_id)).toMatch(/^[0-9a-f-]{36}$/);
      expect(processesOf("codex-longrun-runnerdies-v1")).toEqual([]);
      await expect(fsp.stat(String(d.worktree_dir))).resolves.toBeTruthy();
      expect(
        await fsp.readFile(path.join(sb.taskDir("codex-longrun-runnerdies-v1"), "events.jsonl"), "utf8"),
      ).toContain("thread.started");
    } finally {
      await mcp.close();
    }
  });

  it("a person kills the task's tmux session: its runner still records how the task ended", async () => {
    const mcp = await McpSession.start(sb.env());
    try {
      const d = await mcp.ok("codex_dispatch", {
        prompt: "[[script:hang]]",
        cwd: sb.repo,
        topic: "longrun-panegone-v1",
        sandbox: "full-access",
      });
      await codexPid(sb, "codex-longrun-panegone-v1");
      // The pane goes with the session: the runner gets SIGHUP and its terminal is gone.
      sb.tmux("kill-session", "-t", `=${String(d.tmux_session)}`);
      const s = await untilEnded(mcp, "codex-longrun-panegone-v1");
      expect(s).toMatchObject({
        status: "cancelled",
        error: "the runner was stopped by SIGHUP (its tmux session or terminal was closed).",
      });
      expect(processesOf("codex-longrun-panegone-v1")).toEqual([]);
      await expect(fsp.stat(String(d.worktree_dir))).resolves.toBeTruthy();
      expect(await fsp.readFile(String(s.log_file), "utf8")).toMatch(
        /task cancelled[^\n]*\n[^\n]*error: the runner was stopped by SIGHUP/,
      );
    } finally {
      await mcp.close();
    }
  });

  it("Codex itself killed with SIGKILL: the task ends failed and says so", async () => {
    const mcp = await McpSession.start(sb.env());
    try {
      await mcp.ok("codex_dispatch", {
        prompt: "[[script:hang]]",
        cwd: sb.repo,
        topic: "review-codexdies-v1",
        sandbox: "read-only",
      });
      process.kill(await codexPid(sb, "codex-review-codexdies-v1"), "SIGKILL");
      const s = await untilEnded(mcp, "codex-review-codexdies-v1");
      expect(s.status).toBe("failed");
      expect(String(s.error)).toContain("SIGKILL");
      // The transcript's last lines are on disk before the outcome is recorded.
      expect(await fsp.readFile(String(s.log_file), "utf8")).toMatch(
        /task failed[^\n]*\n[^\n]*error: [^\n]*SIGKILL/,
      );
    } finally {
      await mcp.close();
    }
  });
  it("a runner that dies after a cancel was requested is recorded cancelled, not failed", async () => {
    const mcp = await McpSession.start(sb.env());
    try {
      await mcp.ok("codex_dispatch", {
        prompt: "[[script:hang]]",
        cwd: sb.repo,
        topic: "review-cancelthendie-v1",
        sandbox: "read-only",
      });
      const pid = await codexPid(sb, "codex-review-cancelthendie-v1").then(() =>
        runnerPid(sb, "codex-review-cancelthendie-v1"),
      );
      // What codex_cancel writes first; the runner then dies before it can record anything.
      await fsp.writeFile(
        path.join(sb.taskDir("codex-review-cancelthendie-v1"), "cancel.json"),
        JSON.stringify({ requested_at: new Date().toISOString(), by_pid: process.pid }),
      );
      process.kill(pid, "SIGKILL");
      const s = await untilEnded(mcp, "codex-review-cancelthendie-v1");
      expect(s.status).toBe("cancelled");
      expect(String(s.error)).toMatch(
        /^cancelled on request \(codex_cancel\); the task's runner \(pid \d+\)/,
      );
      expect(processesOf("codex-review-cancelthendie-v1")).toEqual([]);
    } finally {
      await mcp.close();
    }
  });

  it("codex_cancel the moment a task is dispatched: cancelled, every time, nothing left running", async () => {
    const mcp = await McpSession.start(sb.env());
    try {
      for (let i = 1; i <= 3; i++) {
        const topic = `review-instantcancel${i}-v1`;
        await mcp.ok("codex_dispatch", {
          prompt: "[[script:hang]]",
          cwd: sb.repo,
          topic,
          sandbox: "read-only",
        });
        const c = await mcp.ok("codex_cancel", { task_id: `codex-${topic}` });
        expect(c.status, String(c.error)).toBe("cancelled");
        expect(processesOf(`codex-${topic}`)).toEqual([]);
      }
    } finally {
      await mcp.close();
    }
  });
});
