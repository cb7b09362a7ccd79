import { promises as fsp } from "node:fs";
import path from "node:path";
import { controlDir } from "../../dist/hosts/ssh/ssh.js";
import { alternate, series } from "../lib/alternate.js";
import type { BenchContext, Benchmark } from "../lib/bench.js";
import { GIT_IDENTITY, run, sleep } from "../lib/exec.js";
import { McpClient } from "../lib/mcp.js";
import { SERVER_BIN } from "../lib/paths.js";
import { makeRepo } from "../lib/repo.js";
import { BenchSshHost, sshHostUnavailable } from "../lib/ssh-host.js";

const SCRIPT = "remote_hold";
const STATUS_CALLS = 5;

/**
 * One round on one side (this machine, or the host over ssh): codex_dispatch of a full-access
 * task that holds, then codex_status of the running task on the warm server (STATUS_CALLS, their
 * median), then `codexmcp show --json` in a fresh process (its first look: for a remote task one
 * pull over ssh), then an untimed cancel.
 */
function side(
  ctx: BenchContext,
  server: McpClient,
  env: Record<string, string>,
  repo: string,
  host?: string,
) {
  return async (i: number): Promise<Record<string, number>> => {
    const topic = `test-${host ? "ssh" : "local"}_${i}-v1`;
    const t0 = performance.now();
    const d = await server.ok("codex_dispatch", {
      prompt: `Hold [[script:${SCRIPT}]]`,
      cwd: repo,
      topic,
      sandbox: "full-access",
      ...(host ? { host } : {}),
    });
    const dispatch = performance.now() - t0;
    const id = String(d.task_id);
    for (let k = 0; k < 600; k++) {
      const s = await server.ok("codex_status", { task_id: id });
      if (s.status === "running") break;
      if (k === 599 || ["completed", "failed", "cancelled", "timed_out"].includes(String(s.status)))
        throw new Error(`${id} did not start: ${String(s.status)}: ${String(s.error ?? "")}`);
      await sleep(100);
    }
    const status: number[] = [];
    for (let k = 0; k < STATUS_CALLS; k++) {
      await sleep(300);
      const s0 = performance.now();
      const s = await server.ok("codex_status", { task_id: id });
      status.push(performance.now() - s0);
      if (s.status !== "running") throw new Error(`${id} is ${String(s.status)}, not running`);
    }
    const c0 = performance.now();
    const shown = await run(process.execPath, [SERVER_BIN, "show", id, "--json"], { env });
    const coldShow = performance.now() - c0;
    if (shown.code !== 0) throw new Error(`codexmcp show ${id} failed: ${shown.stderr.trim()}`);
    await server.ok("codex_cancel", { task_id: id }, 180_000);
    ctx.sandbox.model.requests.length = 0;
    status.sort((a, b) => a - b);
    return { dispatch, status: status[Math.floor(status.length / 2)] as number, cold_show: coldShow };
  };
}

function skipped(reason: string) {
  return {
    rows: [],
    samples: {},
    parameters: { skipped: reason },
    notes: [`skipped: ${reason}`],
  };
}

export const remote: Benchmark = {
  name: "remote",
  title: "dispatch and status of a task on an ssh host (its own sshd on 127.0.0.1) vs the same here",
  async run(ctx) {
    const why = sshHostUnavailable();
    if (why) {
      ctx.log(`skipped: ${why}`);
      return skipped(why);
    }
    const n = ctx.quick ? 3 : 8;
    const warmup = 1;
    // Steps of 20 s: Codex yields a command that runs past 30 s and the next step would end the turn.
    ctx.sandbox.model.script(SCRIPT, [
      ...Array.from({ length: 30 }, () => ({ sh: "sleep 20" })),
      { say: "never" },
    ]);
    const host = await BenchSshHost.start(ctx.sandbox.path("host"), (dir) =>
      ctx.sandbox.model.writeCodexHome(dir),
    );
    ctx.sandbox.defer(() => host.destroy());
    const repo = await makeRepo(ctx.sandbox.path("project"), 1, 1);
    const home = ctx.sandbox.path("state");
    await fsp.mkdir(home, { recursive: true, mode: 0o700 });
    const entry = {
      name: "box1",
      ssh: host.alias,
      codexmcp: host.codexmcpBin,
      ssh_options: ["-F", host.clientConfig],
      env: Object.keys(GIT_IDENTITY),
      max_parallel: 64,
    };
    await fsp.writeFile(path.join(home, "config.yaml"), `hosts:\n  - ${JSON.stringify(entry)}\n`);
    await ctx.sandbox.keepTmuxAlive();
    const env = ctx.sandbox.serverEnv(home, { CODEXMCP_MAX_PARALLEL: "64" });
    const server = await McpClient.codexmcp(env);
    ctx.sandbox.defer(() => server.close());
    // The shared connection's own round trip (what every call over ssh pays at least).
    const control = ["-F", host.clientConfig, "-o", `ControlPath=${path.join(controlDir(home), "%C")}`];
    const samples = await alternate({
      n,
      warmup,
      label: "remote",
      variants: [
        { name: "local", run: side(ctx, server, env, repo) },
        { name: "ssh", run: side(ctx, server, env, repo, "box1") },
        {
          name: "ssh true",
          run: async () => {
            const t0 = performance.now();
            const r = await run("ssh", [...control, host.alias, "true"]);
            if (r.code !== 0) throw new Error(`ssh ${host.alias} true failed: ${r.stderr.trim()}`);
            return performance.now() - t0;
          },
        },
      ],
    });
    return {
      parameters: { repetitions: n, warmup, status_calls_per_round: STATUS_CALLS, repo_files: 2 },
      samples,
      rows: [
        {
          metric: "codex_dispatch, host box1 over ssh",
          unit: "ms",
          ours: series(samples, "ssh", "dispatch"),
          baseline: { name: "the same task here", samples: series(samples, "local", "dispatch") },
        },
        {
          metric: "codex_status of a running task, warm server",
          unit: "ms",
          ours: series(samples, "ssh", "status"),
          baseline: { name: "the same task here", samples: series(samples, "local", "status") },
        },
        {
          metric: "codexmcp show --json, a new process",
          unit: "ms",
          ours: series(samples, "ssh", "cold_show"),
          baseline: { name: "the same task here", samples: series(samples, "local", "cold_show") },
        },
        {
          metric: "  ssh <host> true over the shared connection",
          unit: "ms",
          ours: series(samples, "ssh true"),
        },
      ],
      notes: [
        "Each round, alternating local and ssh: codex_dispatch of a full-access task whose command sleeps (timed), codex_status until it runs (untimed), then 5 codex_status calls 300 ms apart (their median is the round's figure), `codexmcp show <task> --json` in a new process (timed), then codex_cancel (untimed).",
        "The host is this machine: a throwaway user with its own sshd on 127.0.0.1 and this checkout's codexmcp; so the ssh figures hold no network latency, only ssh, the host's codexmcp (a node start per call) and the extra git (snapshot, bundle).",
        "A warm server answers codex_status of a remote task it saw in the last 15 s from its mirror while the next sync runs behind it; a new process (show) pays one sync: a pull over ssh.",
      ],
    };
  },
};
