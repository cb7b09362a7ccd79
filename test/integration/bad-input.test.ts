import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox } from "../helpers/sandbox.js";

describe("bad input gets a clear error and leaves nothing behind", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  let plainDir: string;
  const valid = () => ({ prompt: "hello", cwd: sb.repo, topic: "implement-ok-v1", sandbox: "full-access" });

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("inplace", [{ sh: "echo made > made.txt" }, { say: "Wrote made.txt in place." }]);
    plainDir = path.join(sb.root, "not-a-repo");
    await fsp.mkdir(plainDir);
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  async function expectNothingMade(): Promise<void> {
    const tasks = await fsp.readdir(path.join(sb.home, "tasks")).catch(() => []);
    expect(tasks).toEqual([]);
    expect(gitIn(sb.repo, "worktree", "list").split("\n")).toHaveLength(1);
    expect(gitIn(sb.repo, "branch", "--list", "agent/*")).toBe("");
  }

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["a relative cwd", { cwd: "project" }, /cwd must be an absolute path/],
    ["a cwd with ..", { cwd: "/tmp/../etc" }, /must not contain "\.\." segments/],
    ["a missing cwd", { cwd: "/nonexistent/codexmcp/dir" }, /does not exist; pass an existing directory/],
    ["a malformed topic", { topic: "implement user register" }, /topic must look like <type>-<desc>-v<N>/],
    ["a topic without version", { topic: "implement-user" }, /topic must look like/],
    ["an option-looking topic", { topic: "--help-x-v1" }, /topic must look like/],
    [
      "a topic type that is not allowed",
      { topic: "deploy-prod-v1" },
      /type "deploy" is not allowed here; use one of review, implement/,
    ],
    [
      "an unknown sandbox",
      { sandbox: "danger" },
      /sandbox must be one of read-only, workspace-write, full-access/,
    ],
    ["an empty prompt", { prompt: "" }, /prompt must not be empty/],
    ["a prompt with NUL", { prompt: "a\u0000b" }, /must not contain NUL/],
    [
      "an option-looking model",
      { model: "--dangerously-bypass-approvals-and-sandbox" },
      /model must start with a letter or digit/,
    ],
    ["an option-looking profile", { profile: "-c" }, /profile must start with a letter or digit/],
    [
      "an option-looking session_id",
      { session_id: "--last" },
      /session_id must be a session id as returned in an earlier result/,
    ],
    ["an unknown reasoning effort", { reasoning_effort: "max" }, /reasoning_effort must be one of/],
    ["a fractional timeout", { timeout_seconds: 1.5 }, /whole number of seconds/],
    ["a wrong type", { prompt: 42 }, /prompt/],
    ["a missing field", { topic: undefined }, /topic/],
  ];

  for (const [what, change, message] of cases) {
    it(`rejects ${what}`, async () => {
      const args = { ...valid(), ...change };
      for (const tool of ["codex", "codex_dispatch"]) {
        const r = await mcp.call(tool, args);
        expect(r.isError, `${tool}: ${r.text}`).toBe(true);
        expect(r.text).toMatch(message);
      }
      await expectNothingMade();
    });
  }

  it("rejects a cwd that is a file", async () => {
    const file = path.join(sb.repo, "README.md");
    const r = await mcp.call("codex_dispatch", { ...valid(), cwd: file });
    expect(r.text).toMatch(/is not a directory/);
    await expectNothingMade();
  });

  it("rejects unknown, malformed and traversing task ids in codex_status and codex_cancel", async () => {
    for (const tool of ["codex_status", "codex_cancel"]) {
      const unknown = await mcp.call(tool, { task_id: "codex-review-nothing-v1" });
      expect(unknown.isError).toBe(true);
      expect(unknown.text).toMatch(
        /No task codex-review-nothing-v1 exists; the codex_status tool of this server without task_id lists the tasks/,
      );
      for (const bad of ["../../etc/passwd", "codex-../x-v1", "-rf", "codex-review-x-v1/../../y", ""]) {
        const r = await mcp.call(tool, { task_id: bad });
        expect(r.isError, `${tool}(${bad})`).toBe(true);
        expect(r.text).toMatch(/task_id looks like codex-<type>-<desc>-v<N>/);
      }
    }
  });

  it("names the missing binary and how to get it: codex, tmux, git", async () => {
    const noCodex = await McpSession.start(sb.env({ CODEX_BIN: "/nonexistent/codex" }));
    const noTmux = await McpSession.start(sb.env({ CODEXMCP_TMUX_BIN: "/nonexistent/tmux" }));
    const noGit = await McpSession.start(
      sb.env({ PATH: "/nonexistent", CODEXMCP_TMUX_BIN: "/usr/bin/tmux" }),
    );
    try {
      const a = await noCodex.call("codex_dispatch", valid());
      expect(a.text).toMatch(/Codex CLI was not found .*npm install -g @openai\/codex.*CODEX_BIN/);
      const b = await noTmux.call("codex_dispatch", valid());
      expect(b.text).toMatch(/tmux was not found .*install tmux/);
      // read-only tasks need no tmux.
      const c = await noTmux.call("codex_dispatch", {
        ...valid(),
        sandbox: "read-only",
        topic: "review-notmux-v1",
      });
      expect(c.isError, c.text).toBe(false);
      const d = await noGit.call("codex_dispatch", valid());
      expect(d.text).toMatch(/git was not found on PATH/);
      for (const r of [a, b, d]) expect(r.isError).toBe(true);
    } finally {
      await Promise.all([noCodex.close(), noTmux.close(), noGit.close()]);
    }
    await fsp.rm(path.join(sb.home, "tasks", "codex-review-notmux-v1"), { recursive: true, force: true });
    await expectNothingMade();
  });

  it("full-access outside a git repository runs in place in tmux and says so", async () => {
    const r = await mcp.ok("codex", {
      prompt: "[[script:inplace]]",
      cwd: plainDir,
      topic: "implement-plain-v1",
      sandbox: "full-access",
    });
    expect(r).toMatchObject({
      status: "completed",
      ran_in_place: true,
      run_dir: plainDir,
      tmux_session: "codex-implement-plain-v1",
    });
    expect(String(r.note)).toContain("not in a git repository");
    expect(r.worktree_dir).toBeUndefined();
    expect(await fsp.readFile(path.join(plainDir, "made.txt"), "utf8")).toBe("made\n");
    // The runner may still be closing its transcript just after the result is written.
    await fsp.rm(path.join(sb.home, "tasks", "codex-implement-plain-v1"), {
      recursive: true,
      force: true,
      maxRetries: 5,
    });
  });
});
