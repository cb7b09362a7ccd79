import { spawn } from "node:child_process";
import { existsSync, promises as fsp, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processIdentity } from "../../src/proc/liveness.js";
import { McpSession } from "../helpers/mcp.js";
import { ROOT, Sandbox } from "../helpers/sandbox.js";
import { processesOf, until, untilEnded } from "../helpers/wait.js";

/** The processes of this machine started as a standby runner for `home`. */
function standbys(home: string): number[] {
  const found: number[] = [];
  for (const entry of readdirNumbers("/proc")) {
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (argv.includes("--standby") && argv.includes(home)) found.push(entry);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function readdirNumbers(dir: string): number[] {
  return readdirSync(dir)
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
}

/**
 * A server keeps one runner ready for the next read-only task (hosts/local/standby.ts,
 * runner/standby.ts): the task it adopts must behave exactly like one started cold — its own
 * process group, its output in runner.log, cancel and outcome as ever — and nothing of it may
 * outlive the server when no task came.
 */
describe("the standby runner", () => {
  let sb: Sandbox;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("quick", [{ say: "quick done" }]);
    sb.model.script("sleepy", [{ sh: "sleep 2 && echo slept" }, { say: "slept" }]);
    sb.model.script("hang", [{ hang: true }]);
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  const readOnly = (topic: string, script: string) =>
    mcp.ok("codex_dispatch", { prompt: `[[script:${script}]]`, cwd: sb.repo, topic, sandbox: "read-only" });

  it("the task after the first is run by the runner started before it, and ends as a cold one does", async () => {
    const first = await mcp.ok("codex", {
      prompt: "[[script:quick]]",
      cwd: sb.repo,
      topic: "review-standby-first-v1",
      sandbox: "read-only",
    });
    expect(first.status).toBe("completed");
    const [ready] = await until("a standby runner to be ready", async () => {
      const s = standbys(sb.home);
      return s.length === 1 && s;
    });
    const readyPid = Number(ready);

    const d = await readOnly("review-standby-second-v1", "sleepy");
    const taskId = String(d.task_id);
    const runner = JSON.parse(await fsp.readFile(path.join(sb.taskDir(taskId), "runner.json"), "utf8"));
    expect(runner.pid).toBe(readyPid);
    // The adopted runner leads its own session and process group, as a detached cold runner does.
    const stat = readFileSync(`/proc/${readyPid}/stat`, "utf8");
    const [, , pgrp, session] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    expect([Number(pgrp), Number(session)]).toEqual([readyPid, readyPid]);
    expect(cmdline(readyPid)).toContain("--standby");

    const ended = await untilEnded(mcp, taskId);
    expect(ended.status).toBe("completed");
    expect(JSON.stringify(ended)).toMatch(/slept/);
    // Its output landed in the task's runner.log; the standby's own log name is gone.
    expect(existsSync(path.join(sb.taskDir(taskId), "runner.log"))).toBe(true);
    const left = await fsp.readdir(path.join(sb.home, "standby"));
    expect(left.filter((f) => f.includes(String(readyPid)))).toEqual([]);
  });

  it("a cancelled standby-run task ends cancelled with no process left", async () => {
    await until("a standby runner to be ready", async () => standbys(sb.home).length === 1);
    const d = await readOnly("review-standby-cancel-v1", "hang");
    const taskId = String(d.task_id);
    await until("codex to start", async () => processesOf(taskId).length > 0);
    const runner = JSON.parse(await fsp.readFile(path.join(sb.taskDir(taskId), "runner.json"), "utf8"));
    expect(cmdline(runner.pid)).toContain("--standby");
    const cancelled = await mcp.ok("codex_cancel", { task_id: taskId });
    expect(cancelled.status).toBe("cancelled");
    await until("the task's processes to end", async () => processesOf(taskId).length === 0);
    await until("the runner to exit", async () => processIdentity(runner.pid) === null);
  });

  it("a standby killed before its task is replaced: the next task starts cold and completes", async () => {
    const [pid] = await until("a standby runner to be ready", async () => {
      const s = standbys(sb.home);
      return s.length === 1 && s;
    });
    process.kill(Number(pid), "SIGKILL");
    await until("the standby to be gone", async () => processIdentity(Number(pid)) === null);
    const d = await mcp.ok("codex", {
      prompt: "[[script:quick]]",
      cwd: sb.repo,
      topic: "review-standby-killed-v1",
      sandbox: "read-only",
    });
    expect(d.status).toBe("completed");
    const runner = JSON.parse(
      await fsp.readFile(path.join(sb.taskDir(String(d.task_id)), "runner.json"), "utf8"),
    );
    expect(runner.pid).not.toBe(Number(pid));
  });

  it("a standby whose runner code was replaced since it started (an upgrade) is not used", async () => {
    await until("a standby runner to be ready", async () => standbys(sb.home).length === 1);
    // The same bytes under a new inode, as an upgrade or a rebuild leaves it.
    const script = path.join(ROOT, "dist/runner/main.js");
    // (Made outside dist/: other test files copy dist/ meanwhile.)
    const upgrade = path.join(ROOT, `.runner-upgrade-${process.pid}.js`);
    await fsp.copyFile(script, upgrade);
    await fsp.rename(upgrade, script);
    const d = await readOnly("review-standby-upgraded-v1", "sleepy");
    const runner = JSON.parse(
      await fsp.readFile(path.join(sb.taskDir(String(d.task_id)), "runner.json"), "utf8"),
    );
    expect(cmdline(runner.pid)).toContain(sb.taskDir(String(d.task_id)));
    expect((await untilEnded(mcp, String(d.task_id))).status).toBe("completed");
  });

  it("a server that goes away takes its unused standby with it", async () => {
    const other = await McpSession.start(sb.env());
    try {
      const d = await other.ok("codex", {
        prompt: "[[script:quick]]",
        cwd: sb.repo,
        topic: "review-standby-leave-v1",
        sandbox: "read-only",
      });
      expect(d.status).toBe("completed");
      await until("two standbys (one per server)", async () => standbys(sb.home).length === 2);
    } finally {
      await other.close();
    }
    await until("the closed server's standby to end", async () => standbys(sb.home).length === 1);
  });

  it("CODEXMCP_STANDBY_RUNNER=0 starts every runner cold", async () => {
    const cold = await McpSession.start(
      sb.env({ CODEXMCP_STANDBY_RUNNER: "0", CODEXMCP_HOME: `${sb.home}-cold` }),
    );
    try {
      for (const topic of ["review-cold-a-v1", "review-cold-b-v1"]) {
        const d = await cold.ok("codex_dispatch", {
          prompt: "[[script:sleepy]]",
          cwd: sb.repo,
          topic,
          sandbox: "read-only",
        });
        const runnerFile = path.join(`${sb.home}-cold`, "tasks", String(d.task_id), "runner.json");
        const runner = JSON.parse(await fsp.readFile(runnerFile, "utf8"));
        expect(cmdline(runner.pid)).toContain(path.join(`${sb.home}-cold`, "tasks", String(d.task_id)));
        await untilEnded(cold, String(d.task_id));
      }
      expect(standbys(`${sb.home}-cold`)).toEqual([]);
    } finally {
      await cold.close();
    }
  });

  it("a standby takes only a task directory of its own home; anything else, or no line, ends it", async () => {
    for (const input of ["/etc\n", `${path.join(sb.home, "tasks", "..", "x")}\n`, ""]) {
      const log = path.join(sb.home, "standby", `probe-${Date.now()}.log`);
      await fsp.mkdir(path.dirname(log), { recursive: true });
      await fsp.writeFile(log, "");
      const child = spawn(
        process.execPath,
        [path.join(ROOT, "dist/runner/main.js"), "--standby", sb.home, log],
        {
          stdio: ["pipe", "ignore", "ignore"],
        },
      );
      child.stdin.end(input);
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(code).toBe(0);
      expect(existsSync(log)).toBe(false);
    }
  });
});
