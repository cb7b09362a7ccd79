import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { TmuxScreen } from "../helpers/tmux-screen.js";
import { until, untilEnded } from "../helpers/wait.js";

const ESC = String.fromCharCode(27);
const FOOTER = "↑↓/jk select · Enter attach · l log · d diff · c cancel · m merge · r reply · q quit";

/**
 * The keys of the interactive watch that watch-interactive.test.ts does not press: arrows and
 * Home/End, the pager's scrolling, backing out of every question, the stall marker and bell,
 * growing the terminal again, and Enter from inside the task's own tmux server.
 */
describe("codexmcp watch, more keys (tmux send-keys, capture-pane)", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  let term: TmuxScreen;

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n" });
    term = new TmuxScreen(`codexmcp-wkeys-${process.pid}`);
    await fsp.mkdir(sb.home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(path.join(sb.home, "config.yaml"), "notify:\n  desktop: false\n  stall_after: 2s\n");
    // A diff longer than a screen: 80 numbered lines.
    sb.model.script("long", [
      { sh: "seq -f 'line-%g' 1 80 > long.txt && git add long.txt && git commit -qm long" },
      { say: "long done" },
    ]);
    sb.model.script("quiet", [{ sh: "echo said-something" }, { hang: true }]);
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    term?.kill();
    await mcp?.close();
    await sb?.dispose();
  });

  it("moves with arrows and Home/End, scrolls the pager, backs out of every question, marks and rings a stall, and grows back", async () => {
    const long = await mcp.ok("codex_dispatch", {
      prompt: "[[script:long]]",
      cwd: sb.repo,
      topic: "implement-long-v1",
      sandbox: "full-access",
    });
    await untilEnded(mcp, String(long.task_id));
    await mcp.ok("codex_dispatch", {
      prompt: "[[script:quiet]]",
      cwd: sb.repo,
      topic: "longrun-quiet-v1",
      sandbox: "full-access",
    });
    const raw = term.startWatch(sb, "keys", {}, ["140", "20"]);
    const B = "keys";
    // The silent task: its idle time marked as a stall (past notify.stall_after), and one bell.
    await term.showing(B, /› codex-longrun-quiet-v1\s+running\s+\S+\s+[\d.]+s!/);
    const stallRing = `${ESC}]9;codexmcp: codex-longrun-quiet-v1 stalled (no output for `;
    await until("the stall bell", async () => (await fsp.readFile(raw, "utf8")).includes(stallRing));
    // Several more frames later it has rung once.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await fsp.readFile(raw, "utf8")).split(stallRing)).toHaveLength(2);

    // Arrows and End/Home.
    term.keys(B, "Down");
    await term.showing(B, /› codex-implement-long-v1/);
    term.keys(B, "Up");
    await term.showing(B, /› codex-longrun-quiet-v1/);
    term.keys(B, "End");
    await term.showing(B, /› codex-implement-long-v1/);
    term.keys(B, "Home");
    await term.showing(B, /› codex-longrun-quiet-v1/);

    // The pager: 20 rows hold 17 lines of the diff; G, g, space, b, j, k.
    term.keys(B, "Down");
    await term.showing(B, /› codex-implement-long-v1/);
    term.keys(B, "d");
    let s = await term.showing(B, "codex-implement-long-v1 — diff against");
    expect(s).toContain("j/k ↑↓ scroll · space/b page · g/G top/end · q/Esc back");
    expect(s).not.toContain("+line-80");
    term.keys(B, "G");
    s = await term.showing(B, "+line-80");
    expect(s).not.toContain("+line-40\n");
    term.keys(B, "g");
    s = await term.showing(B, /\+1\s+-0\s+long\.txt|ADDED/);
    expect(s).not.toContain("+line-80");
    term.keys(B, "Space");
    s = await term.showing(B, /\+line-1[0-9]\b/);
    const firstOnPage = (text: string) => text.split("\n")[1] ?? "";
    const paged = firstOnPage(s);
    term.keys(B, "j");
    await until("one line further", async () => firstOnPage(term.screen(B)) !== paged);
    term.keys(B, "k");
    await until("one line back", async () => firstOnPage(term.screen(B)) === paged);
    term.keys(B, "b");
    await term.showing(B, /ADDED\s+REMOVED\s+FILE/);
    term.keys(B, "Escape");
    await term.showing(B, FOOTER);

    // Every question backs out with Esc, and nothing happened.
    term.keys(B, "Home");
    await term.showing(B, /› codex-longrun-quiet-v1/);
    term.keys(B, "c");
    await term.showing(B, "Cancel codex-longrun-quiet-v1?");
    term.keys(B, "Escape");
    await term.showing(B, FOOTER);
    term.keys(B, "m");
    await term.showing(B, "m/s/r choose · Esc back");
    term.keys(B, "Escape");
    await term.showing(B, FOOTER);
    term.keys(B, "r");
    await term.showing(B, "Reply to codex-longrun-quiet-v1: ");
    term.keys(B, "-l", "abc");
    await term.showing(B, "Reply to codex-longrun-quiet-v1: abc▏");
    term.keys(B, "BSpace");
    await term.showing(B, "Reply to codex-longrun-quiet-v1: ab▏");
    term.keys(B, "Escape");
    await term.showing(B, FOOTER);
    expect((await mcp.ok("codex_status", { task_id: "codex-longrun-quiet-v1" })).status).toBe("running");
    expect(await fsp.readdir(path.join(sb.home, "tasks"))).not.toContain("codex-longrun-quiet-v2");

    // Smaller, then as large as before: the whole footer again, nothing left over.
    term.tmux("resize-window", "-t", `=${B}:`, "-x", "60", "-y", "10");
    await term.showing(B, /↑↓\/jk select .*…/);
    term.tmux("resize-window", "-t", `=${B}:`, "-x", "140", "-y", "20");
    s = await term.showing(B, FOOTER);
    expect(s).not.toMatch(/…\s*$/m);
    expect(s.split("\n")[0]).toMatch(/^codexmcp watch/);

    term.keys(B, "q");
    await until("watch to quit", async () => !term.alive(B));
    await mcp.ok("codex_cancel", { task_id: "codex-longrun-quiet-v1" });
  });

  it("Enter inside the task's own tmux server switches the client to the task, and it can switch back", async () => {
    await mcp.ok("codex_dispatch", {
      prompt: "[[script:quiet]]",
      cwd: sb.repo,
      topic: "longrun-inside-v1",
      sandbox: "full-access",
    });
    // The board in a session of the tasks' tmux server, shown by a client of that server that
    // runs in a pane of the test's own tmux (a person's terminal).
    const tasks = new TmuxScreen(sb.socket);
    tasks.startWatch(sb, "board");
    term.tmux(
      "new-session",
      "-d",
      "-s",
      "person",
      "-x",
      "140",
      "-y",
      "30",
      "--",
      "tmux",
      "-L",
      sb.socket,
      "attach",
      "-t",
      "=board",
    );
    await term.showing("person", /› codex-longrun-inside-v1\s+(starting|running)/);
    term.keys("person", "Enter");
    // The client now shows the task's session: its transcript.
    await term.showing("person", "on agent/longrun-inside (base main");
    expect(tasks.tmux("list-clients", "-F", "#{client_session}").trim()).toBe("codex-longrun-inside-v1");
    // The board kept running in its own session; the person switches back to it.
    expect(tasks.alive("board")).toBe(true);
    term.keys("person", "C-b", "L");
    await term.showing("person", FOOTER);
    expect(tasks.tmux("list-clients", "-F", "#{client_session}").trim()).toBe("board");
    term.keys("person", "q");
    await until("watch to quit", async () => !tasks.alive("board"));
    await mcp.ok("codex_cancel", { task_id: "codex-longrun-inside-v1" });
  });
});
