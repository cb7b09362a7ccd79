import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { loadDriver } from "../../dist/agents/registry.js";
import { agentBinEnvVar } from "../../dist/core/agent-names.js";
import type { ScriptedAgent } from "../../dist/e2e/agent-homes.js";
import { alternate, series } from "../lib/alternate.js";
import type { BenchContext, Benchmark } from "../lib/bench.js";
import { GIT_IDENTITY, git, sleep } from "../lib/exec.js";
import { McpClient } from "../lib/mcp.js";
import { ROOT } from "../lib/paths.js";
import { makeRepo } from "../lib/repo.js";
import { baseEnv } from "../lib/sandbox.js";
import type { Row } from "../lib/table.js";

const SCRIPT = "first_event_done";
const POLL_MS = 5;

interface Installed {
  readonly name: string;
  readonly version: string;
  readonly bin: string;
  readonly pkgCacheHome?: string;
}

/** The pinned agent CLIs already in the agents cache (this bench installs none). */
function installedAgents(): Installed[] {
  const installer = path.join(ROOT, "scripts/agents.mjs");
  const listed = JSON.parse(
    execFileSync(process.execPath, [installer, "list", "--json"], { encoding: "utf8" }),
  ) as { name: string; default: boolean; installed: boolean }[];
  const names = listed.filter((a) => a.default && a.installed).map((a) => a.name);
  if (names.length === 0) return [];
  // `install` of what is installed only describes it (with Copilot's unpacked payload).
  return JSON.parse(
    execFileSync(process.execPath, [installer, "install", "--json", ...names], { encoding: "utf8" }),
  ) as Installed[];
}

/** Milliseconds from `t0` until the task's stream holds a line the agent's driver reads as an event. */
async function firstEvent(agent: string, eventsFile: string, t0: number, deadline: number): Promise<number> {
  const reader = (await loadDriver(agent)).streamReader();
  let offset = 0;
  let partial = "";
  while (performance.now() < deadline) {
    const handle = await fsp.open(eventsFile, "r").catch(() => undefined);
    if (handle) {
      try {
        const { size } = await handle.stat();
        if (size > offset) {
          const buf = Buffer.alloc(size - offset);
          await handle.read(buf, 0, buf.length, offset);
          offset = size;
          const lines = (partial + buf.toString("utf8")).split("\n");
          partial = lines.pop() ?? "";
          for (const line of lines) if (reader.push(line).length > 0) return performance.now() - t0;
        }
      } finally {
        await handle.close();
      }
    }
    await sleep(POLL_MS);
  }
  throw new Error(`${agent}: no normalized event in ${eventsFile} before the deadline`);
}

/** One sample: codex_dispatch (full-access) → first normalized event on disk; then, untimed, the end. */
function sampleOf(ctx: BenchContext, agent: string, server: McpClient, state: string, repo: string) {
  return async (i: number): Promise<Record<string, number>> => {
    const t0 = performance.now();
    const d = await server.ok("codex_dispatch", {
      agent,
      prompt: `Nothing to do; just say done. [[script:${SCRIPT}]]`,
      cwd: repo,
      topic: `implement-${agent}${i}-v1`,
      sandbox: "full-access",
    });
    const returned = performance.now() - t0;
    const taskId = String(d.task_id);
    const first = await firstEvent(
      agent,
      path.join(state, "tasks", taskId, "events.jsonl"),
      t0,
      t0 + 300_000,
    );
    const w = await server.ok(
      "codex_wait",
      { task_ids: [taskId], cursor: d.cursor, timeout_seconds: 280 },
      300_000,
    );
    if (w.status !== "completed") {
      const task = w.task as Record<string, unknown> | undefined;
      throw new Error(`${taskId} ended ${String(w.status)}: ${String(task?.error ?? w.hint)}`);
    }
    ctx.sandbox.model.requests.length = 0;
    return { value: first, dispatch_return: returned };
  };
}

/**
 * The same agent started by hand, as codexmcp's runner would start it (the driver's argv and
 * environment, the prompt on stdin, a fresh worktree): the agent CLI's own start-up until its first
 * event on stdout. Worktree, argv and environment are made before the clock starts.
 */
function rawOf(
  ctx: BenchContext,
  agent: string,
  bin: string,
  agentEnv: Record<string, string>,
  repo: string,
) {
  return async (i: number): Promise<number> => {
    const dir = ctx.sandbox.path(`raw-${agent}-${i}`);
    const taskDir = ctx.sandbox.path(`raw-${agent}-${i}-task`);
    await git(repo, "worktree", "add", "-q", "-b", `bench/raw-${agent}${i}`, dir, "HEAD");
    await fsp.mkdir(taskDir, { recursive: true });
    const driver = await loadDriver(agent);
    const run = driver.buildRun({
      runDir: dir,
      taskDir,
      sandbox: "full-access",
      auditedReadOnly: false,
      newSessionId: driver.presetSessionId ? randomUUID() : undefined,
    });
    const base = { ...baseEnv(), ...GIT_IDENTITY, ...agentEnv };
    const env = { ...base, ...run.env, ...(driver.runEnv?.(base, { readOnly: false }) ?? {}) };
    const args = driver.prepareArgs
      ? await driver.prepareArgs(run.args, { runDir: dir, env, mcpServers: "none" })
      : run.args;
    const reader = driver.streamReader();
    const t0 = performance.now();
    const child = spawn(bin, args, { cwd: dir, env, stdio: ["pipe", "pipe", "ignore"], detached: true });
    let first: number | undefined;
    let partial = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines)
        if (first === undefined && reader.push(line).length > 0) first = performance.now() - t0;
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(`Nothing to do; just say done. [[script:${SCRIPT}]]\n`);
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 300_000);
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    clearTimeout(timer);
    if (code !== 0 || first === undefined)
      throw new Error(`${agent} by hand exited ${code}${first === undefined ? " with no event" : ""}`);
    ctx.sandbox.model.requests.length = 0;
    return first;
  };
}

export const firstEventBench: Benchmark = {
  name: "first-event",
  title: "codex_dispatch (full-access) → the agent's first normalized event on disk, per installed agent",
  async run(ctx) {
    const n = ctx.quick ? 3 : 10;
    const warmup = 1;
    const agents = installedAgents().filter((a) => a.name !== "cursor");
    if (agents.length === 0)
      throw new Error("no agent CLI in the agents cache: node scripts/agents.mjs install");
    ctx.sandbox.model.script(SCRIPT, [{ say: "done" }]);
    const repo = await makeRepo(ctx.sandbox.path("tiny"), 1, 1);
    await ctx.sandbox.keepTmuxAlive();
    const variants = [];
    for (const a of agents) {
      const state = ctx.sandbox.path(`state-${a.name}`);
      const env = await ctx.sandbox.model.agentEnv(
        a.name as ScriptedAgent,
        ctx.sandbox.path(`home-${a.name}`),
        {
          ...(a.pkgCacheHome ? { copilotPkgCacheHome: a.pkgCacheHome } : {}),
        },
      );
      // The agent's HOME and keys on top of the bench's server environment; one server per agent.
      const server = await McpClient.codexmcp(
        ctx.sandbox.serverEnv(state, {
          ...env,
          [agentBinEnvVar(a.name as ScriptedAgent)]: a.bin,
          CODEXMCP_MAX_PARALLEL: "64",
        }),
      );
      ctx.sandbox.defer(() => server.close());
      variants.push({ name: a.name, run: sampleOf(ctx, a.name, server, state, repo) });
      variants.push({ name: `${a.name} by hand`, run: rawOf(ctx, a.name, a.bin, env, repo) });
    }
    ctx.log(`agents: ${agents.map((a) => `${a.name} ${a.version}`).join(", ")}`);
    const samples = await alternate({ n, warmup, label: "first-event", variants });
    const rows: Row[] = [];
    for (const a of agents) {
      rows.push({
        metric: `${a.name} ${a.version}: dispatch → first event`,
        unit: "ms",
        ours: series(samples, a.name),
        baseline: { name: "the CLI by hand", samples: series(samples, `${a.name} by hand`) },
      });
      rows.push({
        metric: `  ${a.name}: codex_dispatch returns`,
        unit: "ms",
        ours: series(samples, a.name, "dispatch_return"),
      });
    }
    return {
      parameters: { repetitions: n, warmup, agents: agents.map((a) => `${a.name}@${a.version}`) },
      samples,
      rows,
      notes: [
        "Timed from the codex_dispatch call (a warm server per agent, CODEXMCP_MAX_PARALLEL=64, a 1-file repository) to the moment the task's events.jsonl first holds a line the agent's driver reads as a normalized event (polled every 5 ms); untimed afterwards: codex_wait for the end.",
        "Baseline: the same CLI started by the bench itself with the driver's argv and environment, the prompt on stdin, in a fresh worktree made before the clock starts; timed to its first event on stdout. The difference is what codexmcp adds: the dispatch (worktree, tmux session, task files), the runner's start-up and the write to events.jsonl.",
        "Agents run in turn, one sample of each variant per round (codex, codex by hand, claude, …), so load lands on all alike. The scripted model on 127.0.0.1 answers at once: what is measured is codexmcp's start-up of the task plus the agent CLI's own start-up until its first event.",
        "Cursor is not measured: its CLI is not on npm and its tests use a stand-in, whose start-up says nothing about the real one.",
      ],
    };
  },
};
