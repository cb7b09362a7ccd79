import { mkdir } from "node:fs/promises";
import { alternate, type Samples, series } from "../lib/alternate.js";
import type { Benchmark } from "../lib/bench.js";
import { writeEvents, writeTranscript } from "../lib/biglog.js";
import { run } from "../lib/exec.js";
import { McpClient, type Memory } from "../lib/mcp.js";
import { completedResult, createRunningTask, openStore } from "../lib/synthetic.js";
import type { Row } from "../lib/table.js";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Every read the benchmark makes of one task, timed one by one; also checks what came back. */
async function readAll(
  server: McpClient,
  taskId: string,
  expectEvents: number,
): Promise<Record<string, number>> {
  const timed = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
    const t0 = performance.now();
    const v = await fn();
    return [performance.now() - t0, v];
  };
  // Pages are bounded in bytes too (16 KiB by default, for a model's context): the widest bound
  // lets 50 of these events through, so every page reads what the figures have always measured.
  const page = (args: Record<string, unknown>) =>
    server.ok("codex_events", { task_id: taskId, max_bytes: 4 * MiB, ...args });
  const events = (p: Record<string, unknown>) => (p.events as unknown[]).length;
  const [status, s] = await timed(() => server.ok("codex_status", { task_id: taskId }));
  if (s.status !== "completed") throw new Error(`codex_status: ${String(s.status)}`);
  const [first, f] = await timed(() => page({ cursor: 0, limit: 50 }));
  const [tail, t] = await timed(() => page({ cursor: "tail", limit: 50 }));
  const [agent] = await timed(() => page({ cursor: 0, limit: 50, types: ["agent_message"] }));
  const [rare] = await timed(() => page({ cursor: 0, limit: 50, types: ["web_search"] }));
  const [log, l] = await timed(() =>
    server.client.readResource({ uri: `codexmcp://tasks/${taskId}/log` }, { timeout: 120_000 }),
  );
  if (events(f) !== Math.min(50, expectEvents) || events(t) !== Math.min(50, expectEvents))
    throw new Error(
      `codex_events returned ${events(f)} / ${events(t)} events, expected ${Math.min(50, expectEvents)}`,
    );
  if (l.contents.length !== 1) throw new Error("the log resource returned no content");
  return {
    status,
    events_first: first,
    events_tail: tail,
    events_agent_message: agent,
    events_rare: rare,
    log,
  };
}

export const biglogs: Benchmark = {
  name: "biglogs",
  title:
    "codex_status, codex_events and the log resource on a 1 GiB events.jsonl: latency and server peak RSS",
  async run(ctx) {
    const n = ctx.quick ? 4 : 12;
    const warmup = 1;
    const { sandbox } = ctx;
    const home = sandbox.path("state");
    const cwd = sandbox.path("project");
    await mkdir(cwd, { recursive: true });
    const store = openStore(home);
    await store.ensureHome();

    const genStart = performance.now();
    const make = async (taskId: string, eventBytes: number, logBytes: number) => {
      const meta = await createRunningTask(store, taskId, cwd);
      const mix = await writeEvents(store.layout.file(taskId, "events"), eventBytes);
      const logSize = await writeTranscript(store.layout.file(taskId, "log"), logBytes);
      await store.finalize(completedResult(meta, "done"));
      return { taskId, events: mix, log_bytes: logSize };
    };
    const big = await make("codex-review-big-v1", GiB, GiB);
    const genSeconds = (performance.now() - genStart) / 1000;
    const medium = await make("codex-review-medium-v1", MiB, MiB);
    const tiny = await make("codex-review-tiny-v1", 1024, 1024);
    ctx.log(
      `wrote ${(big.events.bytes / GiB).toFixed(2)} GiB of events (${big.events.lines} lines) + ${(big.log_bytes / GiB).toFixed(2)} GiB of transcript in ${genSeconds.toFixed(1)} s`,
    );
    const bigEvents = store.layout.file(big.taskId, "events");

    const server = await McpClient.codexmcp(sandbox.serverEnv(home));
    sandbox.defer(() => server.close());
    const before: Memory = server.memory();

    const samples: Samples = await alternate({
      n,
      warmup,
      label: "biglogs",
      variants: [
        { name: "1 GiB", run: () => readAll(server, big.taskId, big.events.lines) },
        { name: "1 KiB", run: () => readAll(server, tiny.taskId, tiny.events.lines) },
        { name: "1 MiB", run: () => readAll(server, medium.taskId, medium.events.lines) },
        {
          name: "coreutils",
          run: async () => {
            const t0 = performance.now();
            const h = await run("head", ["-n", "50", bigEvents]);
            const t1 = performance.now();
            const t = await run("tail", ["-n", "50", bigEvents]);
            const t2 = performance.now();
            if (h.code !== 0 || t.code !== 0) throw new Error("head/tail failed");
            return { head: t1 - t0, tail: t2 - t1 };
          },
        },
      ],
    });
    const after: Memory = server.memory();

    const rows: Row[] = [];
    const pair = (metric: string, key: string, extra?: { name: string; samples: number[] }) => {
      const ours = series(samples, "1 GiB", key);
      rows.push({
        metric,
        unit: "ms",
        ours,
        baseline: { name: "same, 1 KiB log", samples: series(samples, "1 KiB", key) },
      });
      rows.push({
        metric,
        unit: "ms",
        ours,
        baseline: { name: "same, 1 MiB log", samples: series(samples, "1 MiB", key) },
      });
      if (extra) rows.push({ metric, unit: "ms", ours, baseline: extra });
    };
    pair("codex_status(task_id)", "status");
    pair("codex_events cursor 0, limit 50", "events_first", {
      name: "head -n 50 (process)",
      samples: series(samples, "coreutils", "head"),
    });
    pair('codex_events cursor "tail", limit 50', "events_tail", {
      name: "tail -n 50 (process)",
      samples: series(samples, "coreutils", "tail"),
    });
    pair('codex_events types ["agent_message"]', "events_agent_message");
    pair('codex_events types ["web_search"] (no match)', "events_rare");
    pair("resources/read …/log (last 256 KiB)", "log");
    return {
      parameters: {
        repetitions: n,
        warmup,
        big: {
          events_bytes: big.events.bytes,
          events_lines: big.events.lines,
          event_counts: big.events.counts,
          log_bytes: big.log_bytes,
        },
        medium: {
          events_bytes: medium.events.bytes,
          events_lines: medium.events.lines,
          log_bytes: medium.log_bytes,
        },
        tiny: { events_bytes: tiny.events.bytes, events_lines: tiny.events.lines, log_bytes: tiny.log_bytes },
        generation_seconds: genSeconds,
      },
      samples,
      rows,
      extra: { server_memory_before: before, server_memory_after: after },
      notes: [
        `server memory after start: VmRSS ${before.rssMiB.toFixed(1)} MiB, VmHWM ${before.hwmMiB.toFixed(1)} MiB; after ${n + warmup} rounds of every read on all three tasks: VmRSS ${after.rssMiB.toFixed(1)} MiB, peak (VmHWM) ${after.hwmMiB.toFixed(1)} MiB.`,
        `1 GiB task: ${big.events.lines} event lines (${Object.entries(big.events.counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(
            ", ",
          )}), transcript ${(big.log_bytes / GiB).toFixed(2)} GiB; the 1 KiB task holds ${tiny.events.lines} events, so its pages are shorter — the 1 MiB task has full pages of the same events.`,
        "The files were just written, so they are in the page cache: these are warm-cache figures.",
        '"web_search" never occurs, so that page scans up to the 16 MiB per-call cap and returns has_more.',
      ],
    };
  },
};
