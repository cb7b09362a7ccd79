import { mkdir } from "node:fs/promises";
import os from "node:os";
import { alternate, series } from "../lib/alternate.js";
import type { BenchContext, Benchmark } from "../lib/bench.js";
import { quietDisk } from "../lib/disk.js";
import { git } from "../lib/exec.js";
import { McpClient } from "../lib/mcp.js";
import { machineBusySeconds } from "../lib/proc.js";
import { makeRepo, trackedFiles } from "../lib/repo.js";
import { createFinishedTask, openStore } from "../lib/synthetic.js";
import { rawReads, trackedServer } from "../lib/tracked-server.js";

const SCRIPT = "fanout_done";
/** The agent waits on the model until cancelled: it costs no CPU once started. */
const HOLD_SCRIPT = "fanout_hold";
const CORES = os.cpus().length;
const WIDTH = 32;
const TRACKED = 200;

interface Round {
  readonly value: number;
  readonly all_ended: number;
  readonly successes: number;
  readonly completed: number;
  /** CPU seconds the server used while the 32 calls ran. */
  readonly server_cpu_s: number;
  /** CPU seconds the whole machine used meanwhile (every process, the other suite included). */
  readonly machine_cpu_s: number;
}

/**
 * 32 codex_dispatch calls at once; then (timed until the last one ends) codex_wait for each. With
 * `hold`, every task's agent waits on the model instead, and after the calls all are cancelled.
 */
async function fanOut(
  ctx: BenchContext,
  server: McpClient,
  repo: string,
  round: number,
  perCall: number[],
  hold = false,
) {
  const cpu0 = server.cpuSeconds();
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const calls = await Promise.all(
    Array.from({ length: WIDTH }, async (_, i) => {
      const started = performance.now();
      const out = await server
        .call("codex_dispatch", {
          prompt: `Nothing to do; just say done. [[script:${hold ? HOLD_SCRIPT : SCRIPT}]]`,
          cwd: repo,
          topic: `implement-f${round}_${i}-v1`,
          sandbox: "full-access",
        })
        .catch((err: unknown) => ({ isError: true, text: String(err), data: {} as Record<string, unknown> }));
      perCall.push(performance.now() - started);
      return out;
    }),
  );
  const dispatched = performance.now() - t0;
  const serverCpu = server.cpuSeconds() - cpu0;
  const machineCpu = machineBusySeconds() - busy0;
  const ok = calls.filter((c) => !c.isError);
  for (const c of calls.filter((x) => x.isError)) ctx.log(`dispatch failed: ${c.text.slice(0, 300)}`);
  const ids = ok.map((c) => String(c.data.task_id));
  const ended = new Map<string, string>();
  if (hold) {
    for (const id of ids) {
      const c = await server.ok("codex_cancel", { task_id: id }, 60_000);
      ended.set(id, String(c.status));
    }
    const cancelled = [...ended.values()].filter((s) => s === "cancelled").length;
    return {
      value: dispatched,
      all_ended: performance.now() - t0,
      successes: ok.length,
      completed: cancelled,
      server_cpu_s: serverCpu,
      machine_cpu_s: machineCpu,
    } satisfies Round;
  }
  let cursor: string | undefined;
  const deadline = Date.now() + 300_000;
  while (ended.size < ids.length && Date.now() < deadline) {
    const w = await server.ok(
      "codex_wait",
      { task_ids: ids, timeout_seconds: 60, ...(cursor ? { cursor } : {}) },
      90_000,
    );
    cursor = String(w.cursor);
    if (typeof w.task_id === "string") ended.set(w.task_id, String(w.status));
    if (w.status === "idle") break;
  }
  const allEnded = performance.now() - t0;
  const completed = [...ended.values()].filter((s) => s === "completed").length;
  if (ended.size < ids.length) ctx.log(`only ${ended.size} of ${ids.length} tasks ended within 300 s`);
  return {
    value: dispatched,
    all_ended: allEnded,
    successes: ok.length,
    completed,
    server_cpu_s: serverCpu,
    machine_cpu_s: machineCpu,
  } satisfies Round;
}

/** 32 sequential git worktree add into the same repository (kept, like the dispatched ones). */
async function rawWorktrees(ctx: BenchContext, repo: string, round: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < WIDTH; i++) {
    const dir = ctx.sandbox.path(`fan-raw-${round}-${i}`);
    const branch = `bench/fan-${round}-${i}`;
    await git(repo, "worktree", "add", "-q", "-b", branch, dir, "HEAD");
  }
  return performance.now() - t0;
}

export const fanout: Benchmark = {
  name: "fanout",
  title: "32 simultaneous dispatches into one repository; server memory with 200 tracked tasks",
  async run(ctx) {
    const rounds = ctx.quick ? 1 : 2;
    const memRounds = ctx.quick ? 2 : 4;
    const { sandbox } = ctx;
    sandbox.model.script(SCRIPT, [{ say: "done" }]);
    sandbox.model.script(HOLD_SCRIPT, [{ hang: true }]);
    const repo = await makeRepo(sandbox.path("repo"), 20, 100);
    const files = await trackedFiles(repo);

    await sandbox.keepTmuxAlive();
    const server = await McpClient.codexmcp(
      sandbox.serverEnv(sandbox.path("state"), { CODEXMCP_MAX_PARALLEL: "64" }),
    );
    sandbox.defer(() => server.close());
    // The same 32 dispatches on a server that runs two tasks at a time: the other 30 wait in the
    // queue, so what the dispatches cost is not hidden behind 32 agents starting at once.
    const queuing = await McpClient.codexmcp(
      sandbox.serverEnv(sandbox.path("state-queued"), { CODEXMCP_MAX_PARALLEL: "2" }),
    );
    sandbox.defer(() => queuing.close());
    const quietWait = await quietDisk((line) => ctx.log(line));
    const perCall: number[] = [];
    const perCallQueued: number[] = [];
    const samples = await alternate({
      n: rounds,
      warmup: 0,
      label: "fanout",
      variants: [
        { name: "ours", run: async (r) => ({ ...(await fanOut(ctx, server, repo, r, perCall)) }) },
        { name: "raw", run: (r) => rawWorktrees(ctx, repo, r) },
        {
          name: "ours, queued",
          run: async (r) => ({ ...(await fanOut(ctx, queuing, repo, r + 100, perCallQueued, true)) }),
        },
      ],
    });
    const fanoutMemory = server.memory();

    // 200 finished tasks in a store of their own, vs an empty store.
    const home = sandbox.path("tracked");
    const cwd = sandbox.path("tracked-project");
    await mkdir(cwd, { recursive: true });
    const store = openStore(home);
    await store.ensureHome();
    const ids: string[] = [];
    for (let i = 0; i < TRACKED; i++) {
      const id = `codex-review-t${i}-v1`;
      await createFinishedTask(store, id, cwd, {
        events: `${JSON.stringify({ type: "thread.started", thread_id: `t-${i}` })}\n${JSON.stringify({ type: "item.completed", item: { id: "item_1", type: "agent_message", text: "done" } })}\n`,
        log: `task ${id}\nsaid: done\n`,
      });
      ids.push(id);
    }
    const emptyHome = sandbox.path("empty");
    const mem = await alternate({
      n: memRounds,
      warmup: 1,
      label: "fanout memory",
      variants: [
        {
          name: "200 tasks",
          run: async (r) => ({ ...(await trackedServer(ctx, home, ids, cwd, r, SCRIPT)) }),
        },
        {
          name: "empty",
          run: async (r) => ({ ...(await trackedServer(ctx, emptyHome, [], cwd, r, SCRIPT)) }),
        },
        { name: "raw reads", run: () => rawReads(store) },
      ],
    });
    const succ = series(samples, "ours", "successes");
    const done = series(samples, "ours", "completed");
    const pair = (metric: string, key: string, unit: "ms" | "MiB") => ({
      metric,
      unit,
      ours: series(mem, "200 tasks", key),
      baseline: { name: "empty store", samples: series(mem, "empty", key) },
    });
    return {
      parameters: {
        quiet_disk_wait_s: quietWait,
        rounds,
        width: WIDTH,
        repo_files: files,
        max_parallel: 64,
        tracked_tasks: TRACKED,
        memory_rounds: memRounds,
      },
      samples: { ...samples, ...mem, "per-call": { value: perCall } },
      rows: [
        {
          metric: `${WIDTH} dispatches at once, until all returned`,
          unit: "ms",
          ours: series(samples, "ours"),
          baseline: { name: `${WIDTH} sequential worktree add`, samples: series(samples, "raw") },
        },
        { metric: `  one codex_dispatch call (of ${WIDTH} at once)`, unit: "ms", ours: perCall },
        {
          // What bounds the row above when the machine is saturated: every CPU-second the machine
          // spent while the calls ran (32 agents starting, the checkouts, the server), spread
          // over all its cores, is as short as that window can be.
          metric: `  ${WIDTH} at once, vs the cores' floor (machine CPU ÷ cores)`,
          unit: "ms",
          ours: series(samples, "ours"),
          baseline: {
            name: `CPU-s ÷ ${CORES} cores`,
            samples: series(samples, "ours", "machine_cpu_s").map((cpu) => (cpu * 1000) / CORES),
          },
        },
        {
          metric: `${WIDTH} dispatches at once, 2 run and 30 queue`,
          unit: "ms",
          ours: series(samples, "ours, queued"),
          baseline: { name: `${WIDTH} sequential worktree add`, samples: series(samples, "raw") },
        },
        { metric: "  one codex_dispatch call (of 32, queued)", unit: "ms", ours: perCallQueued },
        {
          metric: "  machine CPU while dispatching (queued)",
          unit: "s",
          ours: series(samples, "ours, queued", "machine_cpu_s"),
        },
        {
          metric: `  until all ${WIDTH} tasks ended`,
          unit: "ms",
          ours: series(samples, "ours", "all_ended"),
        },
        { metric: "  dispatches that succeeded", unit: "count", ours: succ },
        { metric: "  tasks that completed", unit: "count", ours: done },
        {
          metric: "  server CPU while dispatching",
          unit: "s",
          ours: series(samples, "ours", "server_cpu_s"),
        },
        {
          metric: "  machine CPU while dispatching",
          unit: "s",
          ours: series(samples, "ours", "machine_cpu_s"),
        },
        pair(`server VmRSS, ${TRACKED} tracked tasks`, "rss", "MiB"),
        pair(`server VmHWM, ${TRACKED} tracked tasks`, "hwm", "MiB"),
        pair(`codex_status (list), ${TRACKED} tasks`, "status_list", "ms"),
        {
          metric: `codex_status (list), ${TRACKED} tasks`,
          unit: "ms",
          ours: series(mem, "200 tasks", "status_list"),
          baseline: { name: `${TRACKED * 4} sequential readFile`, samples: series(mem, "raw reads") },
        },
        {
          metric: `  the same ${TRACKED * 4} reads, sequential (await each)`,
          unit: "ms",
          ours: series(mem, "raw reads"),
          baseline: { name: "readFileSync", samples: series(mem, "raw reads", "sync") },
        },
        {
          metric: `  the same ${TRACKED * 4} reads, sequential (await each)`,
          unit: "ms",
          ours: series(mem, "raw reads"),
          baseline: { name: "Promise.all per task", samples: series(mem, "raw reads", "parallel") },
        },
        pair(`codex_wait (observes ${TRACKED} tasks)`, "wait", "ms"),
        pair("resources/list", "resources_list", "ms"),
        pair("codex_dispatch (read-only) on top", "dispatch", "ms"),
      ],
      extra: { fanout_server_memory_after: fanoutMemory },
      notes: [
        `Before the timed rounds the benchmark synced and waited ${quietWait.toFixed(0)} s: for a minute after files are deleted (by anyone), ext4 creates files far more slowly (recently_deleted() in its inode allocator), which would slow ours and the baseline's checkouts unevenly.`,
        `Repository: 20 directories × 100 files (${files} tracked files), one commit; CODEXMCP_MAX_PARALLEL=64, each task's script just says done.`,
        "2 run and 30 queue: the same 32 dispatches on a second server with CODEXMCP_MAX_PARALLEL=2 (its own state home) whose tasks' agents wait on the model: two agents start, the other 30 tasks return queued and stay queued, so the calls have the two cores nearly to themselves; afterwards (untimed in the first figure) all 32 are cancelled. The first row has 32 agents starting on the same two cores as the dispatches.",
        `Dispatch successes per round: ${succ.join(", ")} of ${WIDTH}; completed tasks per round: ${done.join(", ")}.`,
        `The fan-out server after ${rounds} round(s): VmRSS ${fanoutMemory.rssMiB.toFixed(1)} MiB, VmHWM ${fanoutMemory.hwmMiB.toFixed(1)} MiB.`,
        `raw reads: readdir + ${TRACKED} × (meta, result, meta, runner) + JSON.parse in a fresh node process (after one untimed pass) — the reads observing a finished task makes — awaited one by one (as codexmcp does), with Promise.all over tasks, and with readFileSync.`,
        "CPU while dispatching: the server's utime+stime (/proc/<pid>/stat) and the whole machine's busy time (/proc/stat, both cores, every process — the other suite included) from the first call until the last returned.",
        `codex_dispatch on top: one read-only dispatch on each tracked-store server after the reads (the scheduler reads every task's meta.json), its end awaited and its directory removed untimed.`,
        "Worktrees are kept until the end (deleting many files slows file creation for ~30 s on ext4; see dispatch).",
        `Memory: a fresh server per round on a store of ${TRACKED} finished tasks (made with TaskStore.finalize) vs an empty store, read after codex_status (list), codex_wait (task_ids = all ${TRACKED}; it returns at once) and resources/list.`,
      ],
    };
  },
};
