import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { descendants } from "../../src/proc/tree.js";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { processesOf, until, untilEnded } from "../helpers/wait.js";
import { recordScenario } from "./summary.js";

describe("chaos: crashes", () => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("finish", [
      { sh: "sleep 5; echo finished > finished.txt" },
      { say: "finished after the crash" },
    ]);
    sb.model.script("commit", [
      { sh: "sleep 5; echo c > c.txt && git add c.txt && git commit -qm c" },
      { say: "committed after the crash" },
    ]);
    sb.model.script("fail", [{ fail: 500, message: "scripted outage" }]);
    sb.model.script("hang", [{ hang: true }]);
  });
  afterAll(async () => {
    await sb?.dispose();
  });

  it("SIGKILL of the server with 10 tasks running: a new server reports every true outcome, none stuck", async () => {
    const plan: { topic: string; script: string; sandbox: string; timeout?: number; expect: string }[] = [
      ...[1, 2, 3].map((i) => ({
        topic: `review-crashro${i}-v1`,
        script: "finish",
        sandbox: "read-only",
        expect: "completed",
      })),
      ...[1, 2, 3].map((i) => ({
        topic: `implement-crashfa${i}-v1`,
        script: "commit",
        sandbox: "full-access",
        expect: "completed",
      })),
      { topic: "review-crashfail-v1", script: "fail", sandbox: "read-only", expect: "failed" },
      { topic: "implement-crashfail-v1", script: "fail", sandbox: "full-access", expect: "failed" },
      { topic: "review-crashhang-v1", script: "hang", sandbox: "read-only", timeout: 6, expect: "timed_out" },
      {
        topic: "implement-crashhang-v1",
        script: "hang",
        sandbox: "full-access",
        timeout: 6,
        expect: "timed_out",
      },
    ];
    const first = await McpSession.start(sb.env({ CODEXMCP_MAX_PARALLEL: "16" }));
    for (const p of plan) {
      await first.ok("codex_dispatch", {
        prompt: `[[script:${p.script}]]`,
        cwd: sb.repo,
        topic: p.topic,
        sandbox: p.sandbox,
        ...(p.timeout ? { timeout_seconds: p.timeout } : {}),
      });
    }
    // Each task must have run before the kill; on a loaded machine the first ones may already
    // have ended by the time the last one starts, so "seen running once" is what counts.
    const seenRunning = new Set<string>();
    await until("all ten to run", async () => {
      for (const p of plan) {
        if (seenRunning.has(p.topic)) continue;
        if (processesOf(`codex-${p.topic}`).length > 0) seenRunning.add(p.topic);
        else {
          // A quick task may start and end between two looks: having ended, it has run.
          const s = await first.call("codex_status", { task_id: `codex-${p.topic}` });
          const status = s.data.status;
          if (typeof status === "string" && !["queued", "starting"].includes(status))
            seenRunning.add(p.topic);
        }
      }
      return plan.every((p) => p.script === "fail" || seenRunning.has(p.topic));
    });
    process.kill(first.pid ?? -1, "SIGKILL");
    await first.close();

    const second = await McpSession.start(sb.env({ CODEXMCP_MAX_PARALLEL: "16" }));
    let passed = 0;
    const wrong: string[] = [];
    try {
      for (const p of plan) {
        const s = await untilEnded(second, `codex-${p.topic}`, 120_000).catch(() => undefined);
        if (s?.status === p.expect) passed++;
        else wrong.push(`${p.topic}: ${String(s?.status)} (expected ${p.expect})`);
      }
      const list = await second.ok("codex_status", {});
      const stuck = (list.tasks as { status: string }[]).filter((t) =>
        ["running", "starting", "queued"].includes(t.status),
      );
      recordScenario({
        scenario: "server SIGKILL with 10 tasks running",
        trials: plan.length,
        passed,
        lost: plan.length - passed + stuck.length,
      });
      expect(wrong).toEqual([]);
      expect(stuck).toEqual([]);
      const c = await second.ok("codex_status", { task_id: "codex-implement-crashfa1-v1" });
      expect(c).toMatchObject({ result: "committed after the crash", commits_ahead: 1 });
    } finally {
      await second.close();
    }
  });

  it("SIGKILL of a runner, a codex launcher and the native codex mid-task: failed with a reason, worktree and logs intact", async () => {
    const mcp = await McpSession.start(sb.env({ CODEXMCP_MAX_PARALLEL: "16" }));
    const kinds = ["runner", "launcher", "native"] as const;
    const cases = kinds.flatMap((kind) =>
      (["read-only", "full-access"] as const).map((sandbox) => ({
        kind,
        sandbox,
        topic: `${sandbox === "read-only" ? "review" : "implement"}-kill${kind}-v1`,
      })),
    );
    let passed = 0;
    const wrong: string[] = [];
    try {
      for (const c of cases)
        await mcp.ok("codex_dispatch", {
          prompt: "[[script:hang]]",
          cwd: sb.repo,
          topic: c.topic,
          sandbox: c.sandbox,
        });
      for (const c of cases) {
        const dir = sb.taskDir(`codex-${c.topic}`);
        await until(`${c.topic} to talk to the model`, async () =>
          (await fsp.readFile(path.join(dir, "events.jsonl"), "utf8").catch(() => "")).includes(
            "turn.started",
          ),
        );
        // The agent's pid is added to runner.json beside the agent's start, not before its events.
        const runner = await until(`${c.topic}'s agent pid`, async () => {
          const r = JSON.parse(await fsp.readFile(path.join(dir, "runner.json"), "utf8")) as {
            pid: number;
            agent_pid?: number;
          };
          return r.agent_pid === undefined ? undefined : { pid: r.pid, agent_pid: r.agent_pid };
        });
        let victim = runner.pid;
        if (c.kind === "launcher") victim = runner.agent_pid;
        if (c.kind === "native")
          victim =
            [...descendants([runner.agent_pid])].find((p) => p !== runner.agent_pid) ?? runner.agent_pid;
        process.kill(victim, "SIGKILL");
      }
      for (const c of cases) {
        const s = await untilEnded(mcp, `codex-${c.topic}`, 60_000).catch(() => undefined);
        const events = await fsp
          .readFile(path.join(sb.taskDir(`codex-${c.topic}`), "events.jsonl"), "utf8")
          .catch(() => "");
        const worktreeOk =
          c.sandbox === "read-only" ||
          (await fsp.stat(String(s?.worktree_dir)).then(
            () => true,
            () => false,
          ));
        const ok =
          s?.status === "failed" &&
          typeof s.error === "string" &&
          s.error.length > 10 &&
          events.includes("thread.started") &&
          worktreeOk &&
          processesOf(`codex-${c.topic}`).length === 0;
        if (ok) passed++;
        else wrong.push(`${c.topic}: ${JSON.stringify({ status: s?.status, error: s?.error, worktreeOk })}`);
      }
      recordScenario({
        scenario: "SIGKILL of runner / codex launcher / native codex",
        trials: cases.length,
        passed,
        lost: cases.length - passed,
      });
      expect(wrong).toEqual([]);
    } finally {
      await mcp.close();
    }
  });
});
