import { execFileSync, spawn } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdUntil } from "../helpers/hold.js";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox, SERVER_BIN } from "../helpers/sandbox.js";
import { hostEntry, hostTaskId, SshHost, sshdAvailable } from "../helpers/sshd.js";
import { until } from "../helpers/wait.js";

/**
 * `codexmcp logs -f` and `codexmcp watch` of a task on a host, from a shell with no server
 * running: the command itself mirrors the host's files over ssh. Real sshd, real Codex there.
 */
describe.skipIf(!sshdAvailable())("logs -f and watch of a remote task (real sshd)", () => {
  let sb: Sandbox;
  let box: SshHost;

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n" });
    box = await SshHost.start({ codexConfig: (dir) => sb.model.writeCodexHome(dir) });
    await fsp.mkdir(sb.home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(path.join(sb.home, "config.yaml"), `hosts:\n${hostEntry(box, "box1")}`);
  }, 180_000);
  afterAll(async () => {
    await box?.destroy();
    await sb?.dispose();
  });

  it("logs -f prints the transcript as it grows, byte for byte (multi-byte text too), and ends with the task; watch shows it running on its host", async () => {
    const gate = path.join(box.home, "release-the-task");
    sb.model.script("remote-grow", [
      { sh: "printf 'first line · 一\\n'" },
      ...holdUntil(gate),
      { sh: "printf 'second line — 二\\n'" },
      { say: "Grew and ended: 完成。" },
    ]);
    const mcp = await McpSession.start(sb.env());
    let id = "";
    try {
      const d = await mcp.ok("codex_dispatch", {
        prompt: "Grow [[script:remote-grow]]",
        cwd: sb.repo,
        topic: "test-remote_logs-v1",
        sandbox: "full-access",
        host: "box1",
      });
      id = String(d.task_id);
    } finally {
      // From here on no server runs: the commands reach the host themselves.
      await mcp.close();
    }

    const child = spawn(process.execPath, [SERVER_BIN, "logs", "-f", id], {
      env: sb.env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => {
      err += b.toString("utf8");
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      // It grows while the task runs: the first command is in the output before the task can end.
      await until(
        "logs -f to show the first command",
        async () => (Buffer.concat(out).toString("utf8").includes("first line · 一") ? true : undefined),
        120_000,
        250,
      );
      expect(Buffer.concat(out).toString("utf8")).not.toContain("second line");

      const frame = execFileSync(process.execPath, [SERVER_BIN, "watch", "--once"], {
        env: { ...sb.env(), NO_COLOR: "1" },
        encoding: "utf8",
      });
      const row = frame.split("\n").find((l) => l.includes(id));
      expect(row, frame).toBeDefined();
      expect(row).toContain("@box1");
      expect(row).toContain("running");

      await fsp.writeFile(gate, "");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGTERM");
    }
    const printed = Buffer.concat(out);
    const local = await fsp.readFile(path.join(sb.home, "tasks", id, "codex-exec.log"));
    const onHost = await fsp.readFile(
      path.join(box.home, ".codexmcp", "tasks", hostTaskId(sb.home, id), "codex-exec.log"),
    );
    expect(printed.toString("utf8")).toContain("second line — 二");
    expect(printed.toString("utf8")).toContain("Grew and ended: 完成。");
    expect(printed.equals(onHost), err).toBe(true);
    expect(local.equals(onHost)).toBe(true);
    const status = JSON.parse(
      execFileSync(process.execPath, [SERVER_BIN, "show", id, "--json"], { env: sb.env(), encoding: "utf8" }),
    ) as Record<string, unknown>;
    expect(status.status).toBe("completed");
  }, 300_000);
});
