import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { holdFor } from "../helpers/hold.js";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { hostEntry, hostTaskId, SshHost, sshdAvailable } from "../helpers/sshd.js";
import { until } from "../helpers/wait.js";

/**
 * A host that is gone: its task stays running here (never failed) until a person decides to stop
 * waiting. `codexmcp cancel` says how; `--abandon` records that decision once, and a host that
 * comes back afterwards changes nothing here. Real sshd.
 */
describe.skipIf(!sshdAvailable())("abandoning a task on an unreachable host (real sshd)", () => {
  let sb: Sandbox;
  let box: SshHost;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n" });
    sb.model.script("remote-hold", [...holdFor(600), { say: "never" }]);
    box = await SshHost.start({ codexConfig: (dir) => sb.model.writeCodexHome(dir) });
    await fsp.mkdir(sb.home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(path.join(sb.home, "config.yaml"), `hosts:\n${hostEntry(box, "box1")}`);
    mcp = await McpSession.start(sb.env());
  }, 180_000);
  afterAll(async () => {
    await mcp?.close();
    await box?.destroy();
    await sb?.dispose();
  });

  it("cancel while the host is down says how to stop waiting; the advice, run as printed, records the task abandoned exactly once", async () => {
    const d = await mcp.ok("codex_dispatch", {
      prompt: "Hold [[script:remote-hold]]",
      cwd: sb.repo,
      topic: "test-remote_gone-v1",
      sandbox: "full-access",
      host: "box1",
    });
    const id = String(d.task_id);
    await until("the task to run on the host", async () => {
      const s = await mcp.ok("codex_status", { task_id: id });
      return s.status === "running" ? s : undefined;
    });
    await box.stopSshd();
    await until("the host to read as unreachable", async () => {
      const s = await mcp.ok("codex_status", { task_id: id });
      return s.host_unreachable_since ? s : undefined;
    });

    const refused = await cli(["cancel", id], sb.env());
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`could not be cancelled and keeps running there`);
    const advice = /(codexmcp cancel \S+ --abandon)/.exec(refused.stderr)?.[1];
    expect(advice, refused.stderr).toBe(`codexmcp cancel ${id} --abandon`);
    expect((await mcp.ok("codex_status", { task_id: id })).status).toBe("running");

    const gaveUp = await cli((advice as string).split(" ").slice(1), sb.env());
    expect(gaveUp.exitCode, gaveUp.stderr).toBe(0);
    expect(gaveUp.stdout).toContain(`${id}: cancelled; abandoned by a person`);
    expect(gaveUp.stdout).toContain(`the task there is ${hostTaskId(sb.home, id)}`);
    const s = await mcp.ok("codex_status", { task_id: id });
    expect(s.status).toBe("cancelled");
    expect(String(s.error)).toContain("host box1 has not answered since");

    // The host comes back: nothing changes here, and the journal has the task once.
    await box.startSshd();
    const again = await mcp.ok("codex_status", { task_id: id });
    expect(again.status).toBe("cancelled");
    const lines = (await fsp.readFile(path.join(sb.home, "completions.jsonl"), "utf8"))
      .split("\n")
      .filter((l) => l.includes(id));
    expect(lines).toHaveLength(1);
    // What the sentence names is there on the host, and its own cancel ends it.
    box.ssh([box.codexmcpBin, "cancel", hostTaskId(sb.home, id)]);
    await until("nothing of the task to run on the host", async () =>
      box.userCommands().length === 0 ? true : undefined,
    );
  }, 300_000);
});
