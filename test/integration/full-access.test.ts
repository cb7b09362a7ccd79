import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox, sandboxModes, sh } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";

describe("full-access tasks: worktree + tmux with the real Codex CLI", () => {
  let sb: Sandbox;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create({
      "README.md": "# demo\n",
      "pkg/a/index.js": "module.exports = 1;\n",
      ".gitignore": "*.log\n",
    });
    sb.model.script("commit-feature", [
      {
        sh: "printf 'export const f = 1;\\n' > feature.ts && git add feature.ts && git commit -qm 'add feature' && echo committed",
      },
      { sh: "echo '# more' >> README.md && echo draft > notes.txt && echo noise > debug.log && sleep 1" },
      { say: "Feature committed; README edited; notes drafted." },
    ]);
    sb.model.script("where-am-i", [{ sh: "pwd > where.txt" }, { say: "Recorded the directory." }]);
    sb.model.script("continue", [
      { sh: "echo continued > continued.txt" },
      { say: "Continued the earlier work." },
    ]);
    sb.model.script("long", [{ sh: "sleep 30" }, { say: "late" }]);
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  it("runs in its own worktree and tmux session; diff stats count commits, uncommitted and untracked work", async () => {
    const d = await mcp.ok("codex_dispatch", {
      prompt: "Implement the feature [[script:commit-feature]]",
      cwd: sb.repo,
      topic: "implement-feature-v1",
      sandbox: "full-access",
    });
    const worktree = path.join(path.dirname(sb.repo), "project-agent-implement-feature");
    expect(d).toMatchObject({
      task_id: "codex-implement-feature-v1",
      worktree_dir: worktree,
      agent_branch: "agent/implement-feature",
      base_branch: "main",
      tmux_session: "codex-implement-feature-v1",
    });
    expect(String(d.attach_command)).toBe(`tmux -L ${sb.socket} attach -t codex-implement-feature-v1`);
    expect(sb.tmux("list-sessions", "-F", "#{session_name}")).toContain("codex-implement-feature-v1");

    const s = await untilEnded(mcp, "codex-implement-feature-v1");
    expect(s).toMatchObject({
      status: "completed",
      success: true,
      result: "Feature committed; README edited; notes drafted.",
    });
    // feature.ts (committed) + README.md (uncommitted) + notes.txt (untracked); debug.log is ignored.
    expect(s.diff_stat).toBe("3 files changed, 3 insertions(+)");
    expect(s).toMatchObject({ commits_ahead: 1, files_changed: 3, insertions: 3, deletions: 0 });
    expect(s.base_commit).toBe(gitIn(sb.repo, "rev-parse", "main"));

    expect(gitIn(worktree, "rev-parse", "--abbrev-ref", "HEAD")).toBe("agent/implement-feature");
    expect(await fsp.readFile(path.join(worktree, "feature.ts"), "utf8")).toBe("export const f = 1;\n");
    // The diff stats did not stage anything in the worktree's real index.
    expect(sh("git", ["status", "--porcelain"], worktree).split("\n").filter(Boolean).sort()).toEqual([
      " M README.md",
      "?? notes.txt",
    ]);
    // The caller's checkout is untouched.
    expect(gitIn(sb.repo, "status", "--porcelain")).toBe("");
    expect(gitIn(sb.repo, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    // The tmux session ends with the task; the transcript stays.
    await until(
      "tmux session to end",
      async () => !sb.tmux("list-sessions", "-F", "#{session_name}").includes("codex-implement-feature-v1"),
    );
    const log = await fsp.readFile(String(s.log_file), "utf8");
    expect(log).toContain("Feature committed");
    expect(log).toContain("diff: 3 files changed");
  });

  it("a branch that exists without a worktree gets its worktree on it, its commits kept, and is not deleted as if made", async () => {
    // A person kept the branch of an earlier task and removed its worktree.
    gitIn(sb.repo, "branch", "agent/implement-kept");
    const side = path.join(path.dirname(sb.repo), "side-kept");
    gitIn(sb.repo, "worktree", "add", "-q", side, "agent/implement-kept");
    await fsp.writeFile(path.join(side, "kept.txt"), "kept\n");
    gitIn(side, "add", "kept.txt");
    gitIn(side, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "kept work");
    const tip = gitIn(side, "rev-parse", "HEAD");
    gitIn(sb.repo, "worktree", "remove", side);
    const d = await mcp.ok("codex_dispatch", {
      prompt: "Where am I [[script:where-am-i]]",
      cwd: sb.repo,
      topic: "implement-kept-v1",
      sandbox: "full-access",
    });
    const worktree = path.join(path.dirname(sb.repo), "project-agent-implement-kept");
    expect(d).toMatchObject({ worktree_dir: worktree, agent_branch: "agent/implement-kept" });
    expect(await fsp.readFile(path.join(worktree, "kept.txt"), "utf8")).toBe("kept\n");
    expect((await untilEnded(mcp, String(d.task_id))).status).toBe("completed");
    expect(gitIn(sb.repo, "rev-parse", "agent/implement-kept")).toBe(tip);
  });

  it("keeps the caller's subdirectory: cwd repo/pkg/a runs in <worktree>/pkg/a", async () => {
    const r = await mcp.ok("codex", {
      prompt: "[[script:where-am-i]]",
      cwd: path.join(sb.repo, "pkg/a"),
      topic: "fix-subdir-v1",
      sandbox: "full-access",
    });
    const worktree = path.join(path.dirname(sb.repo), "project-agent-fix-subdir");
    expect(r.run_dir).toBe(path.join(worktree, "pkg/a"));
    expect((await fsp.readFile(path.join(worktree, "pkg/a/where.txt"), "utf8")).trim()).toBe(
      path.join(worktree, "pkg/a"),
    );
  });

  it("resumes the same Codex thread in the same worktree, still with full access", async () => {
    const v1 = await mcp.ok("codex", {
      prompt: "first [[script:where-am-i]]",
      cwd: sb.repo,
      topic: "implement-resume-v1",
      sandbox: "full-access",
    });
    const sessionId = String(v1.session_id);
    const v2 = await mcp.ok("codex", {
      prompt: "second [[script:continue]]",
      cwd: sb.repo,
      topic: "implement-resume-v2",
      sandbox: "full-access",
      session_id: sessionId,
    });
    expect(v2).toMatchObject({
      status: "completed",
      session_id: sessionId,
      worktree_dir: v1.worktree_dir,
      agent_branch: "agent/implement-resume",
    });
    expect(await fsp.readFile(path.join(String(v1.worktree_dir), "continued.txt"), "utf8")).toBe(
      "continued\n",
    );
    // The model saw the first conversation, and the resumed turn ran unsandboxed again.
    const resumed = sb.model.requests.filter((q) => q.script === "continue");
    expect(JSON.stringify(resumed[0]?.body)).toContain("first [[script:where-am-i]]");
    expect(sandboxModes(resumed[0]?.body).at(-1)).toBe("danger-full-access");
    // Both versions' diff stats measure from the same fork point.
    expect(v2.base_commit).toBe(v1.base_commit);
    expect(v2.diff_stat).toBe("2 files changed, 2 insertions(+)");
  });

  it("re-running a finished topic archives the earlier run instead of overwriting it", async () => {
    const dir = sb.taskDir("codex-fix-subdir-v1");
    const firstEvents = await fsp.readFile(path.join(dir, "events.jsonl"), "utf8");
    const again = await mcp.ok("codex", {
      prompt: "[[script:where-am-i]] again",
      cwd: path.join(sb.repo, "pkg/a"),
      topic: "fix-subdir-v1",
      sandbox: "full-access",
    });
    expect(again.status).toBe("completed");
    const history = await fsp.readdir(path.join(dir, "history"));
    expect(history).toHaveLength(1);
    expect(await fsp.readFile(path.join(dir, "history", history[0] ?? "", "events.jsonl"), "utf8")).toBe(
      firstEvents,
    );
    expect(await fsp.readFile(path.join(dir, "prompt.md"), "utf8")).toBe("[[script:where-am-i]] again");
    const status = await mcp.ok("codex_status", { task_id: "codex-fix-subdir-v1" });
    expect(status.previous_runs).toBe(1);
  });

  it("refuses a topic that is still running and a second task in a busy worktree", async () => {
    await mcp.ok("codex_dispatch", {
      prompt: "[[script:long]]",
      cwd: sb.repo,
      topic: "longrun-busy-v1",
      sandbox: "full-access",
    });
    const same = await mcp.call("codex_dispatch", {
      prompt: "x",
      cwd: sb.repo,
      topic: "longrun-busy-v1",
      sandbox: "full-access",
    });
    expect(same.isError).toBe(true);
    expect(same.text).toMatch(/codex-longrun-busy-v1 is still (starting|running).*codex_cancel/);
    // The next version would share the busy worktree: the advice is another description instead.
    expect(same.text).not.toContain("next version");
    expect(same.text).toContain("(e.g. longrun-busy_2-v1)");
    const next = await mcp.call("codex_dispatch", {
      prompt: "x",
      cwd: sb.repo,
      topic: "longrun-busy-v2",
      sandbox: "full-access",
    });
    expect(next.isError).toBe(true);
    expect(next.text).toContain("is in use by the running task codex-longrun-busy-v1");
    await expect(fsp.stat(sb.taskDir("codex-longrun-busy-v2"))).rejects.toThrow();
    // Every piece of advice works: another description gets a worktree of its own.
    const elsewhere = await mcp.ok("codex_dispatch", {
      prompt: "[[script:long]]",
      cwd: sb.repo,
      topic: "longrun-busy_2-v1",
      sandbox: "full-access",
    });
    expect(String(elsewhere.worktree_dir)).toMatch(/-agent-longrun-busy_2$/);
    await mcp.ok("codex_cancel", { task_id: "codex-longrun-busy_2-v1" });
    // A read-only task has no worktree to share: there the next version is the advice, and works.
    await mcp.ok("codex_dispatch", {
      prompt: "[[script:long]]",
      cwd: sb.repo,
      topic: "review-busy-v1",
      sandbox: "read-only",
    });
    const again = await mcp.call("codex_dispatch", {
      prompt: "x",
      cwd: sb.repo,
      topic: "review-busy-v1",
      sandbox: "read-only",
    });
    expect(again.text).toContain("or use the next version (review-busy-v2)");
    await mcp.ok("codex_dispatch", {
      prompt: "[[script:long]]",
      cwd: sb.repo,
      topic: "review-busy-v2",
      sandbox: "read-only",
    });
    for (const id of ["codex-longrun-busy-v1", "codex-review-busy-v1", "codex-review-busy-v2"])
      await mcp.ok("codex_cancel", { task_id: id });
  });
});
