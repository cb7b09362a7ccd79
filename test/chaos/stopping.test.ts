import { execFileSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { processesOf, until } from "../helpers/wait.js";
import { recordScenario } from "./summary.js";

function commandOf(pid: number): string {
  try {
    return execFileSync("ps", ["-o", "args=", "-p", String(pid)], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

describe("chaos: stopping", () => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = await Sandbox.create();
    // Every way a command tree tries to outlive its parent.
    sb.model.script("escape", [
      {
        sh: [
          "sh -c 'sh -c \"sleep 601\"' &",
          "sleep 602 &",
          "setsid -f sleep 603",
          "sh -c 'trap \"\" TERM HUP; sleep 604' &",
          "nohup sh -c 'sleep 605' >/dev/null 2>&1 & disown",
          "echo spawned",
        ].join("\n"),
      },
      { hang: true },
    ]);
    // The same tree, but with the command still running in the foreground when cancel comes.
    sb.model.script("busytree", [
      {
        sh: [
          "sh -c 'sh -c \"sleep 601\"' &",
          "sleep 602 &",
          "setsid -f sleep 603",
          "sh -c 'trap \"\" TERM HUP; sleep 604' &",
          "nohup sh -c 'sleep 605' >/dev/null 2>&1 & disown",
          "echo spawned",
          "sleep 606",
        ].join("\n"),
      },
      { say: "never" },
    ]);
    sb.model.script("hang", [{ hang: true }]);
    sb.model.script("busy", [{ sh: "sleep 600" }, { say: "never" }]);
  });
  afterAll(async () => {
    await sb?.dispose();
  });

  it("cancel leaves no process of the task's tree alive (process table)", async () => {
    const mcp = await McpSession.start(sb.env({ CODEXMCP_MAX_PARALLEL: "8" }));
    const topics = [
      "review-esc1-v1",
      "review-busy1-v1",
      "implement-esc1-v1",
      "implement-busy1-v1",
      "implement-busy2-v1",
    ];
    let passed = 0;
    const survivors: string[] = [];
    try {
      for (const topic of topics) {
        const script = topic.includes("busy") ? "busytree" : "escape";
        await mcp.ok("codex_dispatch", {
          prompt: `[[script:${script}]]`,
          cwd: sb.repo,
          topic,
          sandbox: topic.startsWith("review") ? "read-only" : "full-access",
        });
      }
      for (const topic of topics) {
        const id = `codex-${topic}`;
        const sleepers = () => processesOf(id).filter((p) => /sleep 60[1-6]/.test(commandOf(p)));
        let tree: number[];
        if (topic.includes("busy") && topic.startsWith("implement")) {
          // The command still runs: nested shells, background jobs, a daemon, a TERM-ignorer.
          tree = await until(`${id}'s running tree`, async () =>
            sleepers().length >= 6 ? processesOf(id) : undefined,
          );
        } else {
          // Wait until the spawning command has been seen through. Codex reaps a finished
          // command's session itself (and its read-only sandbox all of its children), so what
          // is left is what escaped: under full access, at least the setsid daemon.
          const events = path.join(sb.taskDir(id), "events.jsonl");
          await until(`${id}'s spawning command`, async () =>
            (await fsp.readFile(events, "utf8").catch(() => "")).includes("spawned"),
          );
          if (topic === "implement-esc1-v1")
            await until(`${id}'s escaped daemon`, async () => sleepers().length >= 1);
          tree = processesOf(id);
        }
        const c = await mcp.ok("codex_cancel", { task_id: id });
        const left = [...tree, ...processesOf(id)].filter((p) => {
          const cmd = commandOf(p);
          return cmd !== "" && !cmd.startsWith("[") && !/<defunct>/.test(cmd);
        });
        if (c.status === "cancelled" && left.length === 0) passed++;
        else
          survivors.push(`${id}: ${c.status}; alive: ${left.map((p) => `${p} ${commandOf(p)}`).join(", ")}`);
      }
      const stray = execFileSync("ps", ["-eo", "args="], { encoding: "utf8" })
        .split("\n")
        .filter((l) => /^sleep 60[1-5]$/.test(l.trim()));
      recordScenario({
        scenario: "cancel kills the whole tree",
        trials: topics.length,
        passed,
        lost: topics.length - passed + stray.length,
      });
      expect(survivors).toEqual([]);
      expect(stray).toEqual([]);
    } finally {
      for (const topic of topics) await mcp.call("codex_cancel", { task_id: `codex-${topic}` });
      await mcp.close();
    }
  });

  it("a Codex run that never ends (no network, a hanging model or command) ends at its wall-clock limit as timed_out", async () => {
    const offline = sb.codexDir("codex-home-offline");
    await fsp.mkdir(offline, { recursive: true });
    const config = await fsp.readFile(path.join(sb.codexHome, "config.toml"), "utf8");
    await fsp.writeFile(path.join(offline, "config.toml"), config.replace(/127\.0\.0\.1:\d+/, "127.0.0.1:9"));
    const mcp = await McpSession.start(sb.env({ CODEXMCP_MAX_PARALLEL: "8" }));
    const noNet = await McpSession.start(
      sb.env({ CODEX_HOME: offline, CODEXMCP_TASK_TIMEOUT: "4s", CODEXMCP_MAX_PARALLEL: "8" }),
    );
    const cases = [
      { session: noNet, topic: "review-nonet-v1", sandbox: "read-only", script: "" },
      { session: noNet, topic: "implement-nonet-v1", sandbox: "full-access", script: "" },
      { session: mcp, topic: "review-hangmodel-v1", sandbox: "read-only", script: "hang", timeout: 4 },
      { session: mcp, topic: "implement-hangcmd-v1", sandbox: "full-access", script: "busy", timeout: 5 },
    ];
    let passed = 0;
    const wrong: string[] = [];
    try {
      const results = await Promise.all(
        cases.map((c) =>
          c.session.ok("codex", {
            prompt: c.script ? `[[script:${c.script}]]` : "hello",
            cwd: sb.repo,
            topic: c.topic,
            sandbox: c.sandbox,
            ...(c.timeout ? { timeout_seconds: c.timeout } : {}),
          }),
        ),
      );
      for (const [i, r] of results.entries()) {
        const ok =
          r.status === "timed_out" &&
          Number(r.elapsed_seconds) < 30 &&
          processesOf(`codex-${cases[i]?.topic}`).length === 0;
        if (ok) passed++;
        else wrong.push(`${cases[i]?.topic}: ${String(r.status)} after ${String(r.elapsed_seconds)}s`);
      }
      recordScenario({
        scenario: "never-ending runs end at the wall clock",
        trials: cases.length,
        passed,
        lost: cases.length - passed,
      });
      expect(wrong).toEqual([]);
    } finally {
      await Promise.all([mcp.close(), noNet.close()]);
    }
  });
});
