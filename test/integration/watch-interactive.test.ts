import { execFileSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox, SERVER_BIN } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";

const ESC = String.fromCharCode(27);

/** The interactive `codexmcp watch`, in a real terminal: a tmux pane on a server of its own. */
describe("codexmcp watch, interactive (keys sent to a tmux pane, the screen read back)", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  const socket = `codexmcp-iwatch-${process.pid}`;
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const screen = (name: string) => tmux("capture-pane", "-p", "-t", `=${name}:`);
  const keys = (name: string, ...k: string[]) => tmux("send-keys", "-t", `=${name}:`, ...k);
  const alive = (name: string) => {
    try {
      tmux("has-session", "-t", `=${name}`);
      return true;
    } catch {
      return false;
    }
  };
  const showing = (name: string, what: string | RegExp, ms = 30_000) => {
    let last = "";
    return until(
      `"${String(what)}" on the screen`,
      async () => {
        last = screen(name);
        return (typeof what === "string" ? last.includes(what) : what.test(last)) ? last : undefined;
      },
      ms,
      150,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the screen shows:\n${last}`);
    });
  };
  /** A watch in a pane of `width`×`height`, its raw output copied to a file (colours, bells). */
  async function startWatch(name: string, extra: Record<string, string> = {}, size = ["140", "30"]) {
    const vars = Object.entries({ ...sb.env(), ...extra }).filter(
      ([k]) =>
        k.startsWith("CODEX") || k === "PATH" || k === "HOME" || k === "NO_COLOR" || k.startsWith("GIT_"),
    );
    tmux(
      "new-session",
      "-d",
      "-s",
      name,
      "-x",
      size[0] ?? "140",
      "-y",
      size[1] ?? "30",
      "--",
      "env",
      ...vars.map(([k, v]) => `${k}=${v}`),
      process.execPath,
      SERVER_BIN,
      "watch",
      "--interval",
      "0.3",
    );
    const raw = path.join(sb.root, `${name}.raw`);
    tmux("pipe-pane", "-o", "-t", `=${name}:`, `cat >> '${raw}'`);
    return raw;
  }

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n", "src/a.ts": "export const a = 1;\n" });
    sb.model.script("feature", [
      { sh: "printf 'export const b = 2;\\n' > src/b.ts && git add src/b.ts && git commit -qm 'add b'" },
      { say: "feature done" },
    ]);
    sb.model.script("more", [
      { sh: "printf 'export const c = 3;\\n' > src/c.ts && git add src/c.ts && git commit -qm 'add c'" },
      { say: "more done" },
    ]);
    sb.model.script("hang", [{ sh: "echo started-hanging" }, { hang: true }]);
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    try {
      tmux("kill-server");
    } catch {
      // not running
    }
    await mcp?.close();
    await sb?.dispose();
  });

  it("selects, shows the diff and the log, refuses as the tools do, cancels with a bell, merges and replies", async () => {
    const done = await mcp.ok("codex_dispatch", {
      prompt: "[[script:feature]]",
      cwd: sb.repo,
      topic: "implement-feature-v1",
      sandbox: "full-access",
    });
    await untilEnded(mcp, String(done.task_id));
    await mcp.ok("codex_dispatch", {
      prompt: "[[script:hang]]",
      cwd: sb.repo,
      topic: "longrun-hang-v1",
      sandbox: "full-access",
    });
    await until("the hanging task to run", async () =>
      sb.model.requests.some((r) => r.userText.includes("[[script:hang]]")),
    );

    const raw = await startWatch("board");
    // Running first, selected first; the footer lists the keys.
    let s = await showing("board", /› codex-longrun-hang-v1\s+running/);
    expect(s).toMatch(/TASK\s+STATUS\s+ELAPSED\s+IDLE\s+TOKENS\s+ACTIVITY/);
    expect(s).toContain("Enter attach · l log · d diff · c cancel · m merge · r reply · q quit");
    // The finished task shows its tokens.
    expect(s).toMatch(/codex-implement-feature-v1\s+completed\s+\S+\s+\d+(\.\d)?k?\s+feature done/);

    // l: the transcript, followed; Esc goes back.
    keys("board", "l");
    await showing("board", "codex-longrun-hang-v1 — transcript");
    await showing("board", "started-hanging");
    keys("board", "Escape");
    await showing("board", "Enter attach");

    // r on a running task: the tool's refusal, word for word.
    keys("board", "r");
    await showing("board", "Reply to codex-longrun-hang-v1: ");
    keys("board", "-l", "more please");
    keys("board", "Enter");
    s = await showing("board", "is still running; an agent cannot take a new message");

    // j selects the next task; d shows its diff, q goes back.
    keys("board", "j");
    await showing("board", /› codex-implement-feature-v1/);
    keys("board", "d");
    s = await showing("board", /codex-implement-feature-v1 — diff against [0-9a-f]{12}/);
    expect(s).toMatch(/\+1\s+-0\s+src\/b\.ts/);
    expect(s).toContain("+export const b = 2;");
    keys("board", "q");
    await showing("board", "Enter attach");

    // c: asks first; n keeps it running, y cancels it, and the ending rings the bell.
    keys("board", "k");
    await showing("board", /› codex-longrun-hang-v1/);
    keys("board", "c");
    await showing("board", "Cancel codex-longrun-hang-v1?");
    keys("board", "n");
    await showing("board", "Enter attach");
    expect((await mcp.ok("codex_status", { task_id: "codex-longrun-hang-v1" })).status).toBe("running");
    keys("board", "c");
    await showing("board", "Cancel codex-longrun-hang-v1?");
    keys("board", "y");
    await showing(
      "board",
      "Task codex-longrun-hang-v1 is cancelled; its processes are stopped, worktree and logs kept.",
    );
    await showing("board", /codex-longrun-hang-v1\s+cancelled/);
    const bell = await until("the bell", async () => {
      const text = await fsp.readFile(raw, "utf8").catch(() => "");
      return text.includes(`${ESC}]9;codexmcp: codex-longrun-hang-v1 cancelled\u0007`) ? text : undefined;
    });
    expect(bell).toContain("\u0007\u0007");
    expect(bell).toContain(`${ESC}[7m`); // the selection in reverse video on a colour terminal

    // m then s: squash-merged into main, through codex_merge's own code.
    const selectFeature = async () => {
      for (let i = 0; i < 5 && !/› codex-implement-feature-v1/.test(screen("board")); i++) {
        keys("board", "j");
        await new Promise((r) => setTimeout(r, 300));
      }
      await showing("board", /› codex-implement-feature-v1/);
    };
    await selectFeature();
    keys("board", "m");
    await showing("board", "m merge · s squash · r rebase");
    keys("board", "s");
    await showing("board", "merged agent/implement-feature into main (squash");
    expect(await fsp.readFile(path.join(sb.repo, "src/b.ts"), "utf8")).toBe("export const b = 2;\n");
    expect(gitIn(sb.repo, "log", "-1", "--format=%s")).toMatch(/implement-feature|agent/);

    // r: a follow-up prompt continues the conversation as -v2.
    await selectFeature();
    keys("board", "r");
    await showing("board", "Reply to codex-implement-feature-v1: ");
    keys("board", "-l", "[[script:more]]");
    keys("board", "Enter");
    await showing(
      "board",
      /codex-implement-feature-v2 (running|starting|queued): continues codex-implement-feature-v1/,
    );
    await untilEnded(mcp, "codex-implement-feature-v2");
    await showing("board", /codex-implement-feature-v2\s+completed/);

    // A smaller terminal: the frame fits it, the heading and the keys stay.
    tmux("resize-window", "-t", "=board:", "-x", "70", "-y", "12");
    // (The keys no longer fit: the footer is cut, not wrapped, so the heading stays on top.)
    s = await showing("board", /↑↓\/jk select .*…/);
    expect(s.split("\n")[0]).toMatch(/^codexmcp watch/);

    keys("board", "q");
    await until("watch to quit", async () => !alive("board"));
  });

  it("respects NO_COLOR, and prints one frame without a terminal", async () => {
    const raw = await startWatch("plain", { NO_COLOR: "1" });
    await showing("plain", /› codex-/);
    await showing("plain", "Enter attach");
    keys("plain", "j");
    await new Promise((r) => setTimeout(r, 700));
    keys("plain", "q");
    await until("watch to quit", async () => !alive("plain"));
    const text = await fsp.readFile(raw, "utf8");
    expect(text).toContain("codexmcp watch");
    // Cursor movement only: no colours, no reverse video.
    expect(text).not.toMatch(new RegExp(`${ESC}\\[(7|1|2|3\\d)m`));

    const piped = await cli(["watch"], sb.env());
    expect(piped.exitCode).toBe(0);
    expect(piped.stdout).toMatch(/TASK\s+STATUS\s+ELAPSED\s+IDLE\s+TOKENS\s+ACTIVITY/);
    expect(piped.stdout).toContain("codex-implement-feature-v1");
    expect(piped.stdout).not.toContain(ESC);
    expect(piped.stdout).not.toContain("Enter attach");
  });

  it("Enter attaches to the selected task's tmux session, and detaching comes back to the board", async () => {
    await mcp.ok("codex_dispatch", {
      prompt: "[[script:hang]]",
      cwd: sb.repo,
      topic: "longrun-attach-v1",
      sandbox: "full-access",
    });
    await startWatch("attacher");
    await showing("attacher", /› codex-longrun-attach-v1\s+(starting|running)/);
    keys("attacher", "Enter");
    await showing("attacher", "on agent/longrun-attach (base main");
    keys("attacher", "C-b", "d");
    await showing("attacher", /› codex-longrun-attach-v1\s+running/);
    await showing("attacher", "Enter attach");
    // A task whose session is gone: the sentence says where its transcript is.
    await cli(["cancel", "codex-longrun-attach-v1"], sb.env());
    await showing("attacher", /› codex-longrun-attach-v1\s+cancelled/);
    keys("attacher", "Enter");
    await showing("attacher", "read its transcript with: codexmcp logs codex-longrun-attach-v1");
    keys("attacher", "q");
    await until("watch to quit", async () => !alive("attacher"));
  });
});
