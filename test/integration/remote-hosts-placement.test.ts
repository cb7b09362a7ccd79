import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdFor } from "../helpers/hold.js";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { hostEntry, SshHost, sshdAvailable } from "../helpers/sshd.js";
import { until } from "../helpers/wait.js";

/**
 * `host: "auto"` with `auto_includes_local: true`: this machine is one more candidate, filled up
 * to its own max_parallel, and the host up to its configured one; when both are full the next
 * task waits in a queue (one side's), never runs beyond either limit.
 */
describe.skipIf(!sshdAvailable())("auto placement counting the local machine (real sshd)", () => {
  let sb: Sandbox;
  let box: SshHost;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n" });
    sb.model.script("auto-hold", [...holdFor(600), { say: "never" }]);
    box = await SshHost.start({ codexConfig: (dir) => sb.model.writeCodexHome(dir) });
    await fsp.mkdir(sb.home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(
      path.join(sb.home, "config.yaml"),
      `max_parallel: 2\nauto_includes_local: true\nhosts:\n${hostEntry(box, "box1", { max_parallel: 1 })}`,
    );
    mcp = await McpSession.start(sb.env());
  }, 180_000);
  afterAll(async () => {
    await mcp?.close();
    await box?.destroy();
    await sb?.dispose();
  });

  it("fills this machine to its max_parallel (2) and the host to its own (1); the fourth task is queued, none runs beyond a limit", async () => {
    const ids: string[] = [];
    const placed: string[] = [];
    try {
      for (const n of [1, 2, 3, 4]) {
        const d = await mcp.ok("codex_dispatch", {
          prompt: "Hold [[script:auto-hold]]",
          cwd: sb.repo,
          topic: `test-local_auto_${n}-v1`,
          sandbox: "full-access",
          host: "auto",
        });
        ids.push(String(d.task_id));
        // A task on this machine carries no host; a remote one names its host.
        placed.push(typeof d.host === "string" ? d.host : "local");
      }
      expect(placed.slice(0, 3).sort()).toEqual(["box1", "local", "local"]);
      expect(["box1", "local"]).toContain(placed[3]);
      const statuses = async () =>
        Promise.all(ids.map(async (id) => String((await mcp.ok("codex_status", { task_id: id })).status)));
      // The first three run (each side at its limit); the fourth waits in its side's queue.
      const seen = await until("the first three to run", async () => {
        const s = await statuses();
        return s.slice(0, 3).every((x) => x === "running") ? s : undefined;
      });
      expect(seen[3]).toBe("queued");
      const fourth = await mcp.ok("codex_status", { task_id: ids[3] });
      if (placed[3] === "local") expect(fourth.queue_position).toBe(1);
      // On the host, exactly one of this server's tasks runs and one waits (its max_parallel is 1).
      const onHost = ids.filter((_, i) => placed[i] === "box1");
      const hostStatuses = await Promise.all(
        onHost.map(async (id) => String((await mcp.ok("codex_status", { task_id: id })).status)),
      );
      expect(hostStatuses.filter((s) => s === "running")).toHaveLength(1);
      const local = ids.filter((_, i) => placed[i] === "local");
      const localStatuses = await Promise.all(
        local.map(async (id) => String((await mcp.ok("codex_status", { task_id: id })).status)),
      );
      expect(localStatuses.filter((s) => s === "running")).toHaveLength(2);
    } finally {
      for (const id of ids) await mcp.call("codex_cancel", { task_id: id }, { timeoutMs: 120_000 });
    }
  }, 400_000);
});
