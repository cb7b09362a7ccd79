import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox, sh } from "../helpers/sandbox.js";

/** Everything about a repository's state that a "changes nothing" promise covers. */
function repoState(repo: string) {
  const g = (...args: string[]) => sh("git", args, repo);
  return {
    refs: g("for-each-ref", "--format=%(refname) %(objectname)"),
    head: g("symbolic-ref", "HEAD"),
    status: g("status", "--porcelain=v1", "--untracked-files=all"),
    index: g("ls-files", "--stage"),
    worktrees: g("worktree", "list", "--porcelain"),
  };
}

describe("review → merge → clean up", () => {
  let sb: Sandbox;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create({
      "README.md": "# demo\n",
      "src/a.ts": "export const a = 1;\n",
      "shared.txt": "line 1\nline 2\n",
    });
    sb.model.script("feature", [
      {
        sh: "printf 'export const b = 2;\\n' > src/b.ts && git add src/b.ts && git commit -qm 'add b' && printf 'export const c = 3;\\n' > src/c.ts && git add src/c.ts && git commit -qm 'add c'",
      },
      { say: "feature done" },
    ]);
    sb.model.script("dirty", [
      {
        sh: "echo staged-edit >> README.md && echo brand-new > untracked.txt && git commit -qm noop --allow-empty",
      },
      { say: "left some work uncommitted" },
    ]);
    sb.model.script("big", [
      {
        sh: 'for i in $(seq 1 3000); do echo "line $i of a long generated file"; done > big.txt && git add big.txt && git commit -qm big',
      },
      { say: "big" },
    ]);
    sb.model.script("conflict", [
      { sh: "printf 'line 1\\nagent version\\n' > shared.txt && git commit -qam 'agent edits shared'" },
      { say: "edited shared" },
    ]);
    sb.model.script("hang", [{ hang: true }]);
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  const files = {
    "README.md": "# demo\n",
    "src/a.ts": "export const a = 1;\n",
    "shared.txt": "line 1\nline 2\n",
  };
  const run = (script: string, topic: string, repo = sb.repo) =>
    mcp.ok("codex", { prompt: `[[script:${script}]]`, cwd: repo, topic, sandbox: "full-access" });

  it("codex_diff shows committed, uncommitted and untracked changes against the base, with stats and a size cap", async () => {
    const r = await run("dirty", "implement-diffme-v1");
    await fsp.writeFile(path.join(String(r.worktree_dir), "src/a.ts"), "export const a = 100;\n");
    const d = await mcp.ok("codex_diff", { task_id: r.task_id });
    const files = (d.files as { path: string }[]).map((f) => f.path).sort();
    expect(files).toEqual(["README.md", "src/a.ts", "untracked.txt"]);
    expect(d.patch).toContain("+staged-edit");
    expect(d.patch).toContain("+brand-new");
    expect(d.patch).toContain("-export const a = 1;");
    expect(d).toMatchObject({ truncated: false, commits_ahead: 1, files_changed: 3 });
    const one = await mcp.ok("codex_diff", { task_id: r.task_id, path: "src" });
    expect((one.files as unknown[]).length).toBe(1);

    const big = await run("big", "implement-bigdiff-v1");
    const cut = await mcp.ok("codex_diff", { task_id: big.task_id, max_bytes: 4096 });
    expect(cut.truncated).toBe(true);
    expect(Number(cut.patch_bytes)).toBeLessThanOrEqual(4096);
    expect(String(cut.patch).endsWith("\n")).toBe(true);
    expect(String(cut.cut_at)).toMatch(/^in big\.txt \(file 1 of 1\)/);
    const bad = await mcp.call("codex_diff", { task_id: big.task_id, path: "../etc" });
    expect(bad.text).toMatch(/path must be relative/);
  });

  for (const strategy of ["merge", "squash", "rebase"] as const) {
    it(`codex_merge with strategy ${strategy} brings the branch into main`, async () => {
      const repo = await sb.newRepo(`merge-${strategy}`, files);
      const r = await run("feature", `implement-${strategy}feat-v1`, repo);
      const before = gitIn(repo, "rev-parse", "main");
      const m = await mcp.ok("codex_merge", { task_id: r.task_id, strategy, message: `take ${strategy}` });
      expect(m).toMatchObject({
        merged: true,
        strategy,
        base_branch: "main",
        commits_merged: 2,
        base_before: before,
      });
      expect(gitIn(repo, "rev-parse", "main")).toBe(m.base_after);
      expect(await fsp.readFile(path.join(repo, "src/b.ts"), "utf8")).toBe("export const b = 2;\n");
      expect(gitIn(repo, "status", "--porcelain")).toBe("");
      const subjects = gitIn(repo, "log", "--format=%s", `${before}..main`).split("\n");
      if (strategy === "merge") expect(subjects).toEqual(["take merge", "add c", "add b"]);
      if (strategy === "squash") expect(subjects).toEqual(["take squash"]);
      if (strategy === "rebase") expect(subjects).toEqual(["add c", "add b"]);
      // Merged: cleanup removes worktree and branch without force.
      const c = await mcp.ok("codex_cleanup", { task_id: r.task_id });
      expect(c.cleaned).toEqual([expect.objectContaining({ worktree_removed: true, branch_deleted: true })]);
      await expect(fsp.stat(String(r.worktree_dir))).rejects.toThrow();
      expect(gitIn(repo, "branch", "--list", `agent/implement-${strategy}feat`)).toBe("");
    });
  }

  it("a predicted conflict returns the paths and changes nothing; a dirty base or a running task is refused", async () => {
    const r = await run("conflict", "implement-clash-v1");
    await fsp.writeFile(path.join(sb.repo, "shared.txt"), "line 1\nmain version\n");
    gitIn(sb.repo, "commit", "-qam", "main edits shared");
    const before = repoState(sb.repo);
    const worktreeBefore = repoState(String(r.worktree_dir));
    for (const strategy of ["merge", "squash", "rebase"]) {
      const m = await mcp.ok("codex_merge", { task_id: r.task_id, strategy });
      expect(m).toMatchObject({ merged: false, conflicts: ["shared.txt"] });
      expect(repoState(sb.repo)).toEqual(before);
      expect(repoState(String(r.worktree_dir))).toEqual(worktreeBefore);
    }
    await fsp.writeFile(path.join(sb.repo, "README.md"), "# dirty\n");
    const dirty = await mcp.call("codex_merge", { task_id: r.task_id, strategy: "merge" });
    expect(dirty.isError).toBe(true);
    expect(dirty.text).toMatch(/has uncommitted changes \(README\.md\).*changed nothing/);
    gitIn(sb.repo, "checkout", "--", "README.md");

    const running = await mcp.ok("codex_dispatch", {
      prompt: "[[script:hang]]",
      cwd: sb.repo,
      topic: "implement-clash-v2",
      sandbox: "full-access",
    });
    const busy = await mcp.call("codex_merge", { task_id: r.task_id, strategy: "merge" });
    expect(busy.text).toMatch(/codex-implement-clash-v2 is (starting|running)/);
    const inUse = await mcp.call("codex_cleanup", { task_id: r.task_id, force: true });
    expect(inUse.isError).toBe(true);
    expect(inUse.text).toMatch(/is (starting|running) there \(never removed, even with force/);
    // force cannot help here, so it is not advised; what the reason says (cancel it first) works.
    expect(inUse.text).not.toContain("pass force: true");
    expect(inUse.text).toContain("Do what the reason says, then call codex_cleanup again.");
    await mcp.ok("codex_cancel", { task_id: running.task_id });
    const after = await mcp.call("codex_cleanup", { task_id: r.task_id, force: true });
    expect(after.isError, after.text).toBe(false);
  });

  it("codex_cleanup refuses unmerged and dirty worktrees; force removes them but keeps the work reachable", async () => {
    const repo = await sb.newRepo("cleanup-force", files);
    const unmerged = await run("feature", "implement-keepme-v1", repo);
    const refused = await mcp.call("codex_cleanup", { task_id: unmerged.task_id });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/branch agent\/implement-keepme has 2 commit\(s\) not in main/);
    expect(refused.text).toContain("or pass force: true to remove it anyway");
    await expect(fsp.stat(String(unmerged.worktree_dir))).resolves.toBeTruthy();

    const dirty = await run("dirty", "implement-dirtyme-v1", repo);
    const refusedDirty = await mcp.call("codex_cleanup", { task_id: dirty.task_id });
    expect(refusedDirty.text).toMatch(/the worktree has 2 uncommitted or untracked change\(s\)/);

    const forced = await mcp.ok("codex_cleanup", { task_id: unmerged.task_id, force: true });
    const item = (forced.cleaned as Record<string, unknown>[])[0];
    expect(item).toMatchObject({ worktree_removed: true, branch_deleted: false });
    expect(String(item?.branch_kept)).toContain("agent/implement-keepme kept: 2 commit(s)");
    expect(gitIn(repo, "log", "--format=%s", "main..agent/implement-keepme").split("\n")).toEqual([
      "add c",
      "add b",
    ]);

    const forcedDirty = await mcp.ok("codex_cleanup", { task_id: dirty.task_id, force: true });
    const saved = String((forcedDirty.cleaned as Record<string, unknown>[])[0]?.saved_ref);
    expect(saved).toMatch(/^refs\/codexmcp\/kept\/implement-dirtyme\/\d{8}T\d{6}Z\/worktree$/);
    expect(gitIn(repo, "show", `${saved}:untracked.txt`)).toBe("brand-new");
    expect(gitIn(repo, "show", `${saved}:README.md`)).toContain("staged-edit");
  });

  it("all_finished cleans merged worktrees, reports the rest, and honours older_than", async () => {
    const a = await run("feature", "implement-sweep1-v1", await sb.newRepo("sweep-a", files));
    await mcp.ok("codex_merge", { task_id: a.task_id, strategy: "merge" });
    const b = await run("feature", "implement-sweep2-v1", await sb.newRepo("sweep-b", files));
    const recent = await mcp.ok("codex_cleanup", { all_finished: true, older_than: "1h" });
    expect(recent.cleaned).toEqual([]);
    const sweep = await mcp.ok("codex_cleanup", { all_finished: true });
    const cleaned = (sweep.cleaned as { tasks: string[] }[]).flatMap((c) => c.tasks);
    expect(cleaned).toContain("codex-implement-sweep1-v1");
    const refusedTasks = (sweep.refused as { tasks: string[] }[]).flatMap((c) => c.tasks);
    expect(refusedTasks).toContain("codex-implement-sweep2-v1");
    await expect(fsp.stat(String(b.worktree_dir))).resolves.toBeTruthy();
    const neither = await mcp.call("codex_cleanup", {});
    expect(neither.text).toMatch(/Say what to clean up/);
  });
});
