import { type ChildProcess, spawn } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { ROOT, Sandbox } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";

const RECEIVER = path.join(ROOT, "test/fixtures/dbus/notifications-receiver.py");
/** Debian's python3, with python3-dbus and python3-gi (.ci/run installs them). */
const PYTHON = "/usr/bin/python3";

interface Shown {
  app_name: string;
  summary: string;
  body: string;
  urgency: number | null;
}

/** Starts `argv` and resolves with it once it printed a line matching `ready` on stdout. */
function started(
  argv: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<{ child: ChildProcess; line: string }> {
  const [bin = "", ...args] = argv;
  const child = spawn(bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const line = out.split("\n").find((l) => ready.test(l));
      if (line) resolve({ child, line });
    });
    child.stderr?.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.on("exit", (code) => reject(new Error(`${bin} exited (${code}): ${err}`)));
    setTimeout(() => reject(new Error(`${bin} did not start: ${out} ${err}`)), 20_000).unref();
  });
}

/**
 * Desktop notifications through the real notify-send, on a session bus of the test's own (a real
 * dbus-daemon) where a small org.freedesktop.Notifications service writes down what it is shown.
 * Desktop notifications are optional: without notify-send, or without a session, there is no
 * desktop channel and nothing complains.
 */
describe("desktop notifications (notify-send on the session bus)", () => {
  let sb: Sandbox;
  let bus: ChildProcess | undefined;
  let receiver: ChildProcess | undefined;
  let address = "";
  let shownFile = "";
  const sessions: McpSession[] = [];

  const shown = async (): Promise<Shown[]> =>
    (await fsp.readFile(shownFile, "utf8").catch(() => ""))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Shown);
  const deliveries = async () =>
    (await fsp.readFile(path.join(sb.home, "notify", "deliveries.jsonl"), "utf8").catch(() => ""))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const server = async (env: NodeJS.ProcessEnv) => {
    const s = await McpSession.start(env);
    sessions.push(s);
    return s;
  };
  const dispatch = async (mcp: McpSession, topic: string, script: string) => {
    const d = await mcp.ok("codex_dispatch", {
      prompt: `[[script:${script}]]`,
      cwd: sb.repo,
      topic,
      sandbox: "full-access",
    });
    return untilEnded(mcp, String(d.task_id), 120_000);
  };

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n" });
    sb.model.script("pause", [{ sh: "echo before-the-pause" }, { say: "done after a pause", delayMs: 5000 }]);
    sb.model.script("quick", [{ say: "quick one" }]);
    sb.model.script("fail", [{ fail: 400, message: "the model gave up" }]);
    await fsp.mkdir(sb.home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(path.join(sb.home, "config.yaml"), "notify:\n  stall_after: 2s\n", { mode: 0o600 });
    shownFile = path.join(sb.root, "shown.jsonl");
    const socket = path.join(sb.root, "session-bus");
    const b = await started(
      ["dbus-daemon", "--session", "--nofork", "--print-address=1", `--address=unix:path=${socket}`],
      { PATH: process.env.PATH ?? "" },
      /^unix:/,
    );
    bus = b.child;
    address = b.line.trim();
    receiver = (
      await started([PYTHON, RECEIVER, shownFile], { DBUS_SESSION_BUS_ADDRESS: address }, /^ready$/)
    ).child;
  });
  afterAll(async () => {
    for (const s of sessions) await s.close().catch(() => undefined);
    receiver?.kill();
    bus?.kill();
    await sb?.dispose();
  });

  it("shows a stall and each ending, with the urgency of the outcome", async () => {
    const mcp = await server(sb.env({ DBUS_SESSION_BUS_ADDRESS: address, DISPLAY: "" }));
    expect((await dispatch(mcp, "implement-paused-v1", "pause")).status).toBe("completed");
    expect((await dispatch(mcp, "implement-broken-v1", "fail")).status).toBe("failed");
    // Both endings shown (the broken task's is the last thing to happen).
    const all = await until("both endings", async () => {
      const now = await shown();
      return now.some((n) => n.summary === "codexmcp: codex-implement-broken-v1 failed") ? now : undefined;
    });
    const endings = all.filter((n) => !n.summary.endsWith(" stalled"));
    const stalls = all.filter((n) => n.summary.endsWith(" stalled"));
    expect(endings).toEqual([
      {
        app_name: "codexmcp",
        summary: "codexmcp: codex-implement-paused-v1 completed",
        body: "codex-implement-paused-v1 completed: no changes",
        urgency: 1,
      },
      {
        app_name: "codexmcp",
        summary: "codexmcp: codex-implement-broken-v1 failed",
        body: expect.stringContaining("codex-implement-broken-v1 failed"),
        urgency: 2,
      },
    ]);
    // The 5 s pause is a stall, shown before the ending. (On a loaded machine Codex can also be
    // quiet for the test's 2 s elsewhere, which is a stall too.)
    const pause = stalls.filter((n) => n.body.includes("before-the-pause"));
    expect(pause.length, JSON.stringify(all)).toBeGreaterThan(0);
    for (const n of stalls)
      expect(n).toEqual({
        app_name: "codexmcp",
        summary: expect.stringMatching(/^codexmcp: codex-implement-(paused|broken)-v1 stalled$/),
        body: expect.stringMatching(
          /^codex-implement-(paused|broken)-v1 stalled: its agent has printed nothing for /,
        ),
        urgency: 1,
      });
    expect(all.indexOf(pause[0] as Shown)).toBeLessThan(all.indexOf(endings[0] as Shown));
    // No task is shown stalled after its ending.
    for (const n of stalls) {
      const task = n.summary.split(" ")[1];
      const ending = all.findIndex(
        (e) => !e.summary.endsWith(" stalled") && e.summary.split(" ")[1] === task,
      );
      expect(all.indexOf(n), JSON.stringify(all)).toBeLessThan(ending);
    }
    // What was shown is what was recorded, one for one (each record follows notify-send's return).
    const recorded = await until("a record of each notification", async () => {
      const d = await deliveries();
      return d.length >= all.length ? d : undefined;
    });
    expect(recorded.map((d) => [d.channel, d.task_id, d.status, d.ok])).toEqual(
      all.map((n) => {
        const [, task, status] = /^codexmcp: (\S+) (\S+)$/.exec(n.summary) ?? [];
        return ["desktop", task, status, true];
      }),
    );
  });

  it("records a notification the desktop refused, and the task is unaffected", async () => {
    for (const s of sessions.splice(0)) await s.close();
    // The bus is there, nobody shows notifications on it: notify-send fails.
    receiver?.kill();
    await until(
      "the receiver to leave the bus",
      async () => receiver?.exitCode !== null || receiver?.signalCode,
    );
    const mcp = await server(sb.env({ DBUS_SESSION_BUS_ADDRESS: address }));
    expect((await dispatch(mcp, "implement-unseen-v1", "quick")).status).toBe("completed");
    const failed = await until("the ending's failed desktop delivery", async () =>
      (await deliveries()).find((d) => d.task_id === "codex-implement-unseen-v1" && d.event === "task.ended"),
    );
    expect(failed).toMatchObject({ channel: "desktop", ok: false, attempts: 1 });
    expect(String(failed.error)).toMatch(
      /^notify-send failed: .*(ServiceUnknown|org.freedesktop.Notifications)/,
    );
    await until("the warning in the log", async () =>
      mcp.stderr.join("").includes("desktop notification for codex-implement-unseen-v1 failed"),
    );
  });

  it("is off without a desktop session or without notify-send, and says nothing about it", async () => {
    for (const s of sessions.splice(0)) await s.close();
    // No session bus and no display.
    const noSession = await server(
      sb.env({ DBUS_SESSION_BUS_ADDRESS: "", DISPLAY: "", WAYLAND_DISPLAY: "" }),
    );
    // A session, but no notify-send on PATH: a directory of everything else in the PATH.
    const bin = path.join(sb.root, "bin-without-notify-send");
    await fsp.mkdir(bin);
    const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
    const seen = new Set<string>();
    for (const dir of dirs)
      for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
        if (name === "notify-send" || seen.has(name)) continue;
        seen.add(name);
        await fsp.symlink(path.join(dir, name), path.join(bin, name));
      }
    const noBinary = await server(sb.env({ DBUS_SESSION_BUS_ADDRESS: address, PATH: bin }));
    const before = (await deliveries()).length;
    expect((await dispatch(noSession, "implement-nodesk-v1", "quick")).status).toBe("completed");
    expect((await dispatch(noBinary, "implement-nobin-v1", "quick")).status).toBe("completed");
    // Both servers had time to notice the endings (they check every second).
    await new Promise((r) => setTimeout(r, 3000));
    expect((await deliveries()).slice(before)).toEqual([]);
    for (const s of [noSession, noBinary]) expect(s.stderr.join("")).not.toMatch(/notif|notify-send/i);
  });
});
