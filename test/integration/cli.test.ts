import { execFileSync } from "node:child_process";
import { existsSync, promises as fsp, readFileSync, watch } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, cliProcess } from "../helpers/cli.js";
import { McpSession } from "../helpers/mcp.js";
import { CODEX_BIN, Sandbox, SERVER_BIN } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";

const ESC = String.fromCharCode(27);

describe("the codexmcp command for people", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  const viewSocket = `codexmcp-view-${process.pid}`;
  const hasViewSession = (name: string): boolean => {
    try {
      execFileSync("tmux", ["-L", viewSocket, "has-session", "-t", `=${name}`], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("ticks", [
      { sh: "for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.5; done" },
      { say: "ticked six times" },
    ]);
    sb.model.script("hang", [{ hang: true }]);
    mcp = await McpSession.start(sb.env({ CODEXMCP_MAX_PARALLEL: "2" }));
  });
  afterAll(async () => {
    await mcp?.close();
    try {
      execFileSync("tmux", ["-L", viewSocket, "kill-server"], { stdio: "ignore" });
    } catch {
      // not running
    }
    await sb?.dispose();
  });

  it("ls, show, logs -f and cancel work on real running tasks, with reliable exit codes", async () => {
    const env = sb.env();
    const d = await mcp.ok("codex_dispatch", {
      prompt: "[[script:ticks]]",
      cwd: sb.repo,
      topic: "implement-ticks-v1",
      sandbox: "full-access",
    });
    const follow = cliProcess(["logs", "-f", String(d.task_id)], env);
    // The transcript as it was the instant result.json appeared (inotify: well before any poll).
    const taskDir = sb.taskDir(String(d.task_id));
    let atOutcome: string | undefined;
    const watcher = watch(taskDir, (_event, name) => {
      if (name === "result.json" && atOutcome === undefined && existsSync(path.join(taskDir, name)))
        atOutcome = readFileSync(path.join(taskDir, "codex-exec.log"), "utf8");
    });

    const table = await cli(["ls"], env);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/^TASK\s+STATUS\s+ELAPSED\s+BRANCH\s+DIFF/);
    expect(table.stdout).toMatch(
      /codex-implement-ticks-v1\s+(starting|running)\s+\S+\s+agent\/implement-ticks/,
    );
    expect(table.stdout).not.toContain(ESC);

    const followed = await follow;
    watcher.close();
    // Whoever sees the task ended reads its closing lines: they are written before the outcome.
    expect(atOutcome).toMatch(/task completed[^\n]*\n[^\n]*diff: [^\n]*\n$/);
    expect(followed.exitCode).toBe(0);
    expect(String(followed.stdout)).toContain("tick 6");
    expect(String(followed.stdout)).toContain("task completed");
    // Byte-exact: the transcript's "│" and "·" (multi-byte) must not shift what -f prints.
    const transcript = await fsp.readFile(path.join(sb.taskDir(String(d.task_id)), "codex-exec.log"), "utf8");
    expect(transcript).toContain("│");
    // -f stops once the task has ended; the runner wrote its last lines before recording that.
    expect(String(followed.stdout)).toBe(transcript.replace(/\n$/, "")); // execa drops the last newline
    expect(transcript).toMatch(/task completed[^\n]*\n[^\n]*diff: [^\n]*\n$/);
    const last3 = await cli(["logs", String(d.task_id), "--lines", "3"], env);
    expect(last3.stdout).toBe(transcript.replace(/\n$/, "").split("\n").slice(-3).join("\n"));

    const json = JSON.parse((await cli(["ls", "--json"], env)).stdout) as {
      task_id: string;
      status: string;
      diff_stat?: string;
    }[];
    expect(json.find((t) => t.task_id === "codex-implement-ticks-v1")).toMatchObject({ status: "completed" });

    const shown = await cli(["show", "implement-ticks-v1"], env);
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toMatch(/codex-implement-ticks-v1\s+completed/);
    expect(shown.stdout).toContain("worktree");
    expect(shown.stdout).toContain("ticked six times");
    expect(shown.stdout).toContain(`tmux -L ${sb.socket} attach -t codex-implement-ticks-v1`);

    await mcp.ok("codex_dispatch", {
      prompt: "[[script:hang]]",
      cwd: sb.repo,
      topic: "longrun-stopme-v1",
      sandbox: "full-access",
    });
    const stopped = await cli(["cancel", "codex-longrun-stopme-v1"], env);
    expect(stopped.exitCode).toBe(0);
    expect(stopped.stdout).toContain("codex-longrun-stopme-v1: cancelled; worktree and logs kept.");
    expect((await cli(["cancel", "codex-longrun-stopme-v1"], env)).stdout).toContain("had already ended");

    const unknown = await cli(["show", "codex-review-nothing-v1"], env);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain("No task codex-review-nothing-v1 exists");
    const usage = await cli(["ls", "--frobnicate"], env);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(/Unknown option '--frobnicate'/);
    expect((await cli(["nonsense"], env)).exitCode).toBe(2);
    expect((await cli(["attach", "codex-implement-ticks-v1"], env)).stderr).toMatch(
      /tmux session is gone; read its transcript with: codexmcp logs/,
    );
  });

  it("errors tell a person the command's own way to list tasks, which works", async () => {
    for (const args of [
      ["show", "codex-review-nope-v1"],
      ["logs", "review-nope-v1"],
      ["cancel", "../etc"],
      ["attach", "not a task"],
    ]) {
      const r = await cli(args, sb.env());
      expect(r.exitCode, args.join(" ")).toBe(1);
      expect(r.stderr).toContain("`codexmcp ls` lists the tasks");
      expect(r.stderr).not.toContain("codex_status");
    }
    expect((await cli(["ls"], sb.env())).exitCode).toBe(0);
  });

  it("colours only on request and never with NO_COLOR", async () => {
    const forced = await cli(["ls"], sb.env({ FORCE_COLOR: "1" }));
    expect(forced.stdout).toContain(`${ESC}[`);
    const no = await cli(["ls"], sb.env({ FORCE_COLOR: "1", NO_COLOR: "1" }));
    expect(no.stdout).not.toContain(ESC);
  });

  it("watch draws a live view in a terminal (read back from tmux), with the queue, and quits on q", async () => {
    for (const i of [1, 2, 3])
      await mcp.ok("codex_dispatch", {
        prompt: "[[script:hang]]",
        cwd: sb.repo,
        topic: `longrun-watched${i}-v1`,
        sandbox: "full-access",
      });
    const vars = Object.entries(sb.env({ CODEXMCP_MAX_PARALLEL: "2" })).filter(
      ([k]) => k.startsWith("CODEX") || k === "PATH" || k === "HOME",
    );
    execFileSync("tmux", [
      "-L",
      viewSocket,
      "new-session",
      "-d",
      "-s",
      "viewer",
      "-x",
      "160",
      "-y",
      "40",
      "--",
      "env",
      ...vars.map(([k, v]) => `${k}=${v}`),
      process.execPath,
      SERVER_BIN,
      "watch",
      "--interval",
      "0.3",
    ]);
    const screen = await until(
      "the watch view",
      async () => {
        const text = execFileSync("tmux", ["-L", viewSocket, "capture-pane", "-p", "-t", "=viewer:"], {
          encoding: "utf8",
        });
        return text.includes("codex-longrun-watched3-v1") && text.includes("queued #1") ? text : undefined;
      },
      20_000,
    );
    expect(screen).toMatch(/codexmcp watch\s+2 running \/ max 2 · 1 queued/);
    expect(screen).toMatch(/codex-longrun-watched\d-v1\s+running/);
    expect(screen).toMatch(/codex-implement-ticks-v1\s+completed\s+\S+\s+(\S+\s+)?ticked six times/);
    execFileSync("tmux", ["-L", viewSocket, "send-keys", "-t", "=viewer:", "q"]);
    await until("watch to quit", async () => !hasViewSession("viewer"));
  });

  it("attach puts a terminal on the task's tmux session, also from inside another tmux", async () => {
    const vars = Object.entries(sb.env()).filter(
      ([k]) => k.startsWith("CODEX") || k === "PATH" || k === "HOME",
    );
    execFileSync("tmux", [
      "-L",
      viewSocket,
      "new-session",
      "-d",
      "-s",
      "attacher",
      "-x",
      "160",
      "-y",
      "40",
      "--",
      "env",
      ...vars.map(([k, v]) => `${k}=${v}`),
      process.execPath,
      SERVER_BIN,
      "attach",
      "longrun-watched1-v1",
    ]);
    let last = "";
    try {
      const screen = await until(
        "the task's pane inside the attaching terminal",
        async () => {
          last = execFileSync("tmux", ["-L", viewSocket, "capture-pane", "-p", "-t", "=attacher:"], {
            encoding: "utf8",
          });
          return last.includes("on agent/longrun-watched1 (base main") ? last : undefined;
        },
        20_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; the attaching terminal shows:\n${last}`);
      });
      // Long lines wrap at the pane's width (the checkout's path sets their length): read rows joined.
      expect(screen.replace(/\n/g, "")).toContain("-s danger-full-access");
    } finally {
      for (const i of [1, 2, 3]) await cli(["cancel", `longrun-watched${i}-v1`], sb.env());
    }
    await until("the attached view to end with its session", async () => !hasViewSession("attacher"));
  });

  it("Ctrl-C in a task's pane does not stop it; attach from inside the task's own tmux server switches the client", async () => {
    await mcp.ok("codex_dispatch", {
      prompt: "[[script:hang]]",
      cwd: sb.repo,
      topic: "longrun-pane-v1",
      sandbox: "full-access",
    });
    const pane = () => sb.tmux("capture-pane", "-p", "-t", "=codex-longrun-pane-v1:");
    await until("the task's pane", async () => pane().includes("on agent/longrun-pane (base main"));
    await until("its Codex to run", async () =>
      sb.model.requests.some((r) => r.userText.includes("[[script:hang]]")),
    );
    sb.tmux("send-keys", "-t", "=codex-longrun-pane-v1:", "C-c");
    await until("the pane to say how to cancel", async () =>
      pane()
        .replace(/\n/g, "")
        .includes(
          "Ctrl-C does not stop this task. Detach: Ctrl-b d. Cancel it: codexmcp cancel codex-longrun-pane-v1",
        ),
    );
    expect((await mcp.ok("codex_status", { task_id: "codex-longrun-pane-v1" })).status).toBe("running");

    // A person in a pane of the same tmux server: `outer`, seen through a client in another server.
    const vars = Object.entries(sb.env()).filter(
      ([k]) => k.startsWith("CODEX") || k === "PATH" || k === "HOME",
    );
    const env = vars.map(([k, v]) => `${k}=${v}`);
    const waitForClient = `until tmux -L ${sb.socket} list-clients -t =outer | grep -q .; do sleep 0.2; done`;
    sb.tmux(
      "new-session",
      "-d",
      "-s",
      "outer",
      "--",
      "sh",
      "-c",
      `${waitForClient}; exec env ${env.map((e) => `'${e}'`).join(" ")} '${process.execPath}' '${SERVER_BIN}' attach longrun-pane-v1; sleep 30`,
    );
    execFileSync("tmux", [
      "-L",
      viewSocket,
      "new-session",
      "-d",
      "-s",
      "sameserver",
      "-x",
      "160",
      "-y",
      "40",
      "--",
      "env",
      "-u",
      "TMUX",
      "tmux",
      "-L",
      sb.socket,
      "attach",
      "-t",
      "=outer",
    ]);
    try {
      const screen = await until("the task's session in the client", async () => {
        const seen = execFileSync("tmux", ["-L", viewSocket, "capture-pane", "-p", "-t", "=sameserver:"], {
          encoding: "utf8",
        });
        return seen.includes("on agent/longrun-pane (base main") ? seen : undefined;
      });
      expect(screen).not.toContain("sessions should be nested with care");
    } finally {
      await cli(["cancel", "longrun-pane-v1"], sb.env());
      sb.tmux("kill-session", "-t", "=outer");
    }
  });

  it("install --dry-run shows the change and writes nothing; install and uninstall edit the real config", async () => {
    const home = path.join(sb.root, "fake-home");
    await fsp.mkdir(path.join(home, ".codex"), { recursive: true });
    const original = '# my codex config\nmodel = "o3"\n\n[mcp_servers.other]\ncommand = "other"\n';
    const file = path.join(home, ".codex", "config.toml");
    await fsp.writeFile(file, original);
    const env = sb.env({ HOME: home, CODEX_HOME: path.join(home, ".codex") });
    const dry = await cli(["install", "codex", "--dry-run"], env);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain("[mcp_servers.codex]");
    expect(dry.stdout).toContain("tool_timeout_sec");
    expect(await fsp.readFile(file, "utf8")).toBe(original);
    expect((await cli(["install", "codex"], env)).exitCode).toBe(0);
    const listed = execFileSync(CODEX_BIN, ["mcp", "list", "--json"], {
      env: { ...process.env, CODEX_HOME: path.join(home, ".codex") },
      encoding: "utf8",
    });
    expect(listed).toContain(SERVER_BIN);
    expect((await cli(["uninstall", "codex"], env)).exitCode).toBe(0);
    expect(await fsp.readFile(file, "utf8")).toBe(original);
    const bad = await cli(["install", "notepad"], env);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain("Name the client");
    await untilEnded(mcp, "codex-longrun-watched1-v1");
  });
});
