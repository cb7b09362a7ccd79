import { promises as fsp } from "node:fs";
import path from "node:path";
import { alternate, series } from "../lib/alternate.js";
import type { BenchContext, Benchmark } from "../lib/bench.js";
import { quietDisk } from "../lib/disk.js";
import { git, must, run } from "../lib/exec.js";
import { McpClient } from "../lib/mcp.js";
import { makeRepo, trackedFiles } from "../lib/repo.js";
import { TMUX_SOCKET } from "../lib/sandbox.js";
import { createFinishedTask, openStore } from "../lib/synthetic.js";

const SCRIPT = "dispatch_done";
/** Finished tasks in the store of the second server: a month of work at ~30 tasks a day. */
const STORED = 1000;

/**
 * codex_dispatch on a warm server; untimed afterwards: wait for the task's end (the model's
 * request log is emptied so it does not grow). Worktrees are not removed between samples: on
 * ext4, deleting 20,000 files makes creating files far slower for a while (perf: the inode
 * allocator's recently_deleted() check), which would charge one sample's clean-up to the next.
 * They all go with the sandbox at the end.
 */
function oursOn(ctx: BenchContext, server: McpClient, repo: string, tag: string) {
  return async (i: number): Promise<number> => {
    const t0 = performance.now();
    const d = await server.ok("codex_dispatch", {
      prompt: `Nothing to do; just say done. [[script:${SCRIPT}]]`,
      cwd: repo,
      topic: `implement-${tag}${i}-v1`,
      sandbox: "full-access",
    });
    const ms = performance.now() - t0;
    if (d.status !== "running" && d.status !== "starting")
      throw new Error(`codex_dispatch returned status ${String(d.status)}`);
    const w = await server.ok(
      "codex_wait",
      { task_ids: [d.task_id], cursor: d.cursor, timeout_seconds: 120 },
      150_000,
    );
    if (w.status !== "completed") {
      const task = w.task as Record<string, unknown> | undefined;
      throw new Error(`${String(d.task_id)} ended ${String(w.status)}: ${String(task?.error ?? w.hint)}`);
    }
    ctx.sandbox.model.requests.length = 0;
    await settleDisk();
    return ms;
  };
}

/**
 * Untimed, after each sample: write back what the sample left dirty. A 20,000-file checkout
 * leaves ~80 MB for ext4 to write; the next sample's first fsync (a dispatch makes several, the
 * raw commands none) would wait for all of it.
 */
async function settleDisk(): Promise<void> {
  await must("sync", []);
}

/** What dispatch cannot avoid: a worktree on a new branch and a detached tmux session in it. */
function rawOn(ctx: BenchContext, repo: string, tag: string) {
  return async (i: number): Promise<Record<string, number>> => {
    const dir = ctx.sandbox.path(`${path.basename(repo)}-raw-${tag}${i}`);
    const branch = `bench/raw-${tag}${i}`;
    const session = `raw-${tag}${i}`;
    const t0 = performance.now();
    await git(repo, "worktree", "add", "-q", "-b", branch, dir, "HEAD");
    const t1 = performance.now();
    await must("tmux", [
      "-L",
      TMUX_SOCKET,
      "new-session",
      "-d",
      "-s",
      session,
      "-c",
      dir,
      "--",
      "sleep",
      "5",
    ]);
    const t2 = performance.now();
    await run("tmux", ["-L", TMUX_SOCKET, "kill-session", "-t", `=${session}`]);
    await settleDisk();
    return { value: t2 - t0, worktree_add: t1 - t0, tmux_new_session: t2 - t1 };
  };
}

export const dispatch: Benchmark = {
  name: "dispatch",
  title:
    "codex_dispatch (full-access) return time on a ~20,000-file repository vs git worktree add + tmux new-session",
  async run(ctx) {
    const n = ctx.quick ? 3 : 12;
    const warmup = 1;
    ctx.sandbox.model.script(SCRIPT, [{ say: "done" }]);
    const genStart = performance.now();
    const big = await makeRepo(ctx.sandbox.path("big"), 200, 100);
    const genSeconds = (performance.now() - genStart) / 1000;
    const tiny = await makeRepo(ctx.sandbox.path("tiny"), 1, 1);
    const [bigFiles, tinyFiles] = [await trackedFiles(big), await trackedFiles(tiny)];
    ctx.log(`repository of ${bigFiles} files made in ${genSeconds.toFixed(1)} s`);

    await ctx.sandbox.keepTmuxAlive();
    const server = await McpClient.codexmcp(
      ctx.sandbox.serverEnv(ctx.sandbox.path("state"), { CODEXMCP_MAX_PARALLEL: "64" }),
    );
    ctx.sandbox.defer(() => server.close());
    // The same dispatch into a store that already holds a month of finished tasks.
    const fullHome = ctx.sandbox.path("state-full");
    const store = openStore(fullHome);
    await store.ensureHome();
    const elsewhere = ctx.sandbox.path("elsewhere");
    await fsp.mkdir(elsewhere, { recursive: true });
    for (let i = 0; i < STORED; i++) await createFinishedTask(store, `codex-review-old${i}-v1`, elsewhere);
    const fullServer = await McpClient.codexmcp(
      ctx.sandbox.serverEnv(fullHome, { CODEXMCP_MAX_PARALLEL: "64" }),
    );
    ctx.sandbox.defer(() => fullServer.close());

    const quietWait = await quietDisk((line) => ctx.log(line));
    const samples = await alternate({
      n,
      warmup,
      label: "dispatch",
      variants: [
        { name: "ours 20k", run: oursOn(ctx, server, big, "big") },
        { name: "raw 20k", run: rawOn(ctx, big, "big") },
        { name: "ours tiny", run: oursOn(ctx, server, tiny, "tiny") },
        { name: "raw tiny", run: rawOn(ctx, tiny, "tiny") },
        { name: "ours tiny, full store", run: oursOn(ctx, fullServer, tiny, "full") },
      ],
    });
    const memory = server.memory();
    return {
      parameters: {
        quiet_disk_wait_s: quietWait,
        repetitions: n,
        warmup,
        big_repo_files: bigFiles,
        tiny_repo_files: tinyFiles,
        big_repo_generation_seconds: genSeconds,
        stored_tasks: STORED,
      },
      samples,
      extra: { server_memory_after: memory },
      rows: [
        {
          metric: `codex_dispatch, ${bigFiles} files`,
          unit: "ms",
          ours: series(samples, "ours 20k"),
          baseline: { name: "worktree add + tmux", samples: series(samples, "raw 20k") },
        },
        {
          metric: `codex_dispatch, ${tinyFiles} files`,
          unit: "ms",
          ours: series(samples, "ours tiny"),
          baseline: { name: "worktree add + tmux", samples: series(samples, "raw tiny") },
        },
        {
          metric: `codex_dispatch, ${tinyFiles} files, ${STORED} finished tasks in the store`,
          unit: "ms",
          ours: series(samples, "ours tiny, full store"),
          baseline: { name: "worktree add + tmux", samples: series(samples, "raw tiny") },
        },
        {
          metric: `  raw: git worktree add, ${bigFiles} files`,
          unit: "ms",
          ours: series(samples, "raw 20k", "worktree_add"),
        },
        {
          metric: `  raw: tmux new-session, ${bigFiles}`,
          unit: "ms",
          ours: series(samples, "raw 20k", "tmux_new_session"),
        },
        {
          metric: `  raw: git worktree add, ${tinyFiles} files`,
          unit: "ms",
          ours: series(samples, "raw tiny", "worktree_add"),
        },
        {
          metric: "  raw: tmux new-session, tiny",
          unit: "ms",
          ours: series(samples, "raw tiny", "tmux_new_session"),
        },
      ],
      notes: [
        `Before the timed rounds the benchmark synced and waited ${quietWait.toFixed(0)} s: for a minute after files are deleted (by anyone), ext4 creates files far more slowly (recently_deleted() in its inode allocator), which would slow ours and the baseline's checkouts unevenly.`,
        "ours: the codex_dispatch call on a warm server (CODEXMCP_MAX_PARALLEL=64), untimed afterwards: codex_wait for the task's end. Worktrees are kept until the end (deleting 20k files slows file creation for ~30 s on ext4).",
        "raw: git worktree add -b <branch> <dir> HEAD, then tmux new-session -d -c <dir> -- sleep 5 on the bench's private socket.",
        "After every sample (untimed) `sync` writes back what it left dirty: a dispatch fsyncs its task files, and right after a 20,000-file checkout the first fsync waited for ~80 MB of someone else's writes (+60 to +700 ms in an earlier run, on the 2-file rows only).",
        "The 1-file repository separates the fixed per-dispatch cost from the checkout, which grows with the file count.",
        `full store: a second server whose state home holds ${STORED} finished tasks (made through the product's store code), dispatching into the same 1-file repository.`,
      ],
    };
  },
};
