import { rm } from "node:fs/promises";
import path from "node:path";
import type { TaskStore } from "../../dist/core/store.js";
import type { BenchContext } from "./bench.js";
import { must } from "./exec.js";
import { McpClient, type Memory } from "./mcp.js";
import { FIXTURES_DIR } from "./paths.js";

/** The reads a list makes, in a fresh node process (bench/fixtures/reads.ts): three ways. */
export async function rawReads(store: TaskStore): Promise<Record<string, number>> {
  const out = await must(process.execPath, [path.join(FIXTURES_DIR, "reads.js"), store.layout.tasksDir]);
  return JSON.parse(out) as Record<string, number>;
}

/** A fresh server on `home`: list, wait (observes tasks), list resources; then its memory. */
export async function trackedServer(
  ctx: BenchContext,
  home: string,
  ids: readonly string[],
  cwd: string,
  round: number,
  script: string,
) {
  const server = await McpClient.codexmcp(ctx.sandbox.serverEnv(home));
  try {
    const t0 = performance.now();
    const list = await server.ok("codex_status", {});
    const t1 = performance.now();
    const w = await server.ok(
      "codex_wait",
      ids.length > 0 ? { task_ids: ids, timeout_seconds: 5 } : { timeout_seconds: 5 },
    );
    const t2 = performance.now();
    const resources = await server.client.listResources();
    const t3 = performance.now();
    if (Number(list.count) !== ids.length)
      throw new Error(`codex_status counted ${String(list.count)} tasks`);
    if (ids.length > 0 && w.status !== "completed") throw new Error(`codex_wait said ${String(w.status)}`);
    const mem: Memory = server.memory();
    // One read-only dispatch on top (it reads the store to schedule); untimed: its end and removal.
    const t4 = performance.now();
    const d = await server.ok("codex_dispatch", {
      prompt: `Nothing to do; just say done. [[script:${script}]]`,
      cwd,
      topic: `review-probe${round}-v1`,
      sandbox: "read-only",
    });
    const dispatch = performance.now() - t4;
    await server.ok("codex_wait", { task_ids: [d.task_id], cursor: d.cursor, timeout_seconds: 60 }, 90_000);
    // The runner may still be renaming meta.json after the wait wakes on the journal line.
    await rm(String(d.task_dir), { recursive: true, force: true, maxRetries: 5 });
    return {
      dispatch,
      rss: mem.rssMiB,
      hwm: mem.hwmMiB,
      status_list: t1 - t0,
      wait: t2 - t1,
      resources_list: t3 - t2,
      resources: resources.resources.length,
    };
  } finally {
    await server.close();
  }
}
