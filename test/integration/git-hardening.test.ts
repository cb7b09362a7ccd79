import { spawnSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareGitRestore, restoreGit } from "../../src/audit/restore-git.js";
import { diffSnapshots, type GitSnapshot, takeSnapshot } from "../../src/audit/snapshot.js";
import { diffStat } from "../../src/git/diffstat.js";
import { driverScan, git } from "../../src/git/git.js";
import { predictMerge, trialRebase } from "../../src/git/merge.js";
import { worktreePatch } from "../../src/git/patch.js";
import { repoInfo } from "../../src/git/repo.js";
import { ensureWorktree } from "../../src/git/worktree.js";
import { secureWorktreeAdmin } from "../../src/git/worktree-admin.js";
import { canaries, DISARMED, writeArmScript } from "../helpers/hostile-git.js";
import { gitIn, makeRepo, sh } from "../helpers/sandbox.js";

/**
 * codexmcp's own git, on a repository whose config, hooks and attributes try to run a program
 * through every mechanism git has. Each program would create a canary file; none may appear.
 */
describe("git run by codexmcp never runs a program the repository configured", () => {
  let root = "";
  let repo = "";
  let worktree = "";
  let canaryDir = "";
  let base = "";
  /** Empty and present: a program that ran would leave its file here. */
  const resetCanaries = async () => {
    await fsp.rm(canaryDir, { recursive: true, force: true });
    await fsp.mkdir(canaryDir);
  };

  beforeAll(async () => {
    root = await fsp.realpath(await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-hardening-")));
    canaryDir = path.join(root, "canaries");
    repo = await makeRepo(path.join(root, "repo"), { "a.txt": "a\n", "shared.txt": "one\ntwo\n" });
    base = gitIn(repo, "rev-parse", "HEAD");
    worktree = path.join(root, "repo-agent-implement-x");
    gitIn(repo, "worktree", "add", "-q", "-b", "agent/implement-x", worktree);
    const script = await writeArmScript(path.join(root, "arm.sh"), canaryDir, { commitAttributes: true });
    // The agent's doing: a commit, then uncommitted and untracked work, then it arms the repo.
    await fsp.writeFile(path.join(worktree, "b.txt"), "b\n");
    gitIn(worktree, "add", "b.txt");
    gitIn(worktree, "commit", "-qm", "add b");
    sh("sh", [script], worktree);
    await fsp.appendFile(path.join(worktree, "a.txt"), "more\n");
    await fsp.writeFile(path.join(worktree, "new.inc"), "new\n");
    await fsp.appendFile(path.join(worktree, "x.wt"), "worktree filter\n");
    await resetCanaries();
  });
  afterAll(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  it("the armed repository really runs them under plain git (the test's own control)", async () => {
    const control = path.join(root, "control");
    const plain = (...args: string[]) => spawnSync("git", args, { cwd: control, stdio: "ignore" });
    spawnSync("git", [...DISARMED, "worktree", "add", "-q", "--detach", control, "agent/implement-x"], {
      cwd: repo,
      stdio: "ignore",
    });
    for (const f of ["a.txt", "x.inc", "x.wt"]) await fsp.appendFile(path.join(control, f), "x\n");
    // Each step switches off what stopped the one before, so every mechanism gets its turn.
    plain("status");
    const off = [
      "-c",
      "core.fsmonitor=false",
      "-c",
      "filter.evil.process=",
      "-c",
      "filter.evil.required=false",
    ];
    plain(...off, "diff", "HEAD");
    plain(...off, "-c", "diff.external=", "-c", "commit.gpgSign=false", "commit", "-qam", "control");
    // The worktree's own config.worktree is the agent's worktree's, not the control's.
    spawnSync("git", [...off, "diff", "--stat", "HEAD"], { cwd: worktree, stdio: "ignore" });
    const seen = await canaries(canaryDir);
    try {
      for (const c of [
        "fsmonitor",
        "filter-process",
        "included-clean",
        "worktree-clean",
        "diff-command",
        "nested-clean",
        "hook-pre-commit",
        "hook-post-commit",
        "hook-reference-transaction",
      ])
        expect(seen).toContain(c);
    } finally {
      spawnSync("git", [...DISARMED, "worktree", "remove", "--force", control], {
        cwd: repo,
        stdio: "ignore",
      });
      await resetCanaries();
    }
  });

  it("diff stats, the patch (codex_diff) and repository facts", async () => {
    // The patch first: diff stats also move the worktree's own config.worktree aside (below).
    const patch = await worktreePatch(worktree, base, { maxBytes: 100_000 });
    expect(patch.patch).toContain("+more");
    expect(patch.files.map((f) => f.path)).toEqual(expect.arrayContaining(["new.inc", "x.wt"]));
    const stat = await diffStat(worktree, base);
    expect(stat.commits_ahead).toBe(2);
    expect(stat.files_changed).toBeGreaterThanOrEqual(3);
    await repoInfo(worktree);
    expect(await canaries(canaryDir)).toEqual([]);
  });

  it("ref-only commands, which skip the config scan, run nothing either (in the armed worktree)", async () => {
    const head = (await git(worktree, ["rev-parse", "HEAD"])).trim();
    const facts = await git(worktree, [
      "rev-parse",
      "--show-toplevel",
      "--git-common-dir",
      "--git-dir",
      "--show-prefix",
      "--git-path",
      "info/exclude",
      "HEAD^{commit}",
      "--symbolic-full-name",
      "HEAD",
    ]);
    expect(facts).toContain("refs/heads/agent/implement-x");
    await git(worktree, ["symbolic-ref", "-q", "HEAD"]);
    await git(worktree, ["show-ref", "--verify", "--quiet", "refs/heads/agent/implement-x"]);
    await git(worktree, ["for-each-ref", "--format=%(refname) %(contents:subject)", "refs/heads"]);
    await git(worktree, ["update-ref", "refs/codexmcp-test/kept", head]);
    await git(worktree, ["update-ref", "-d", "refs/codexmcp-test/kept"]);
    await git(worktree, ["merge-base", head, "main"]);
    await git(worktree, ["rev-list", "--count", `${base}..${head}`]);
    await git(worktree, ["worktree", "list", "--porcelain", "-z"]);
    await git(repo, ["worktree", "prune", "--dry-run"]);
    expect(await canaries(canaryDir)).toEqual([]);
  });

  it("merge prediction, trial merge and trial rebase", async () => {
    await fsp.writeFile(path.join(repo, "shared.txt"), "one\nmain\n");
    gitIn(repo, ...DISARMED, "commit", "-qam", "main moves");
    const prediction = await predictMerge(repo, "main", "agent/implement-x");
    expect(prediction.clean).toBe(true);
    const rebased = await trialRebase(repo, "main", "agent/implement-x");
    expect(rebased).toHaveProperty("head");
    expect(await canaries(canaryDir)).toEqual([]);
  });

  it("a merge, a commit and a checkout in the user's checkout", async () => {
    await git(repo, ["merge", "--no-ff", "--quiet", "-m", "merge agent", "agent/implement-x"]);
    expect(gitIn(repo, ...DISARMED, "log", "-1", "--format=%s")).toBe("merge agent");
    await git(repo, ["checkout", "--quiet", "-b", "other", "HEAD~1"]);
    await git(repo, ["checkout", "--quiet", "main"]);
    expect(await canaries(canaryDir)).toEqual([]);
  });

  it("creating another worktree in the armed repository (dispatch)", async () => {
    const info = await repoInfo(repo);
    if (!info) throw new Error("no repo");
    const ready = await ensureWorktree({
      repo: info,
      dir: path.join(root, "repo-agent-fix-y"),
      branch: "agent/fix-y",
    });
    expect(ready.createdWorktree).toBe(true);
    expect(await canaries(canaryDir)).toEqual([]);
  });

  it("creating a worktree with the driver scan a dispatch starts while it plans", async () => {
    const info = await repoInfo(repo);
    if (!info) throw new Error("no repo");
    const ready = await ensureWorktree({
      repo: info,
      dir: path.join(root, "repo-agent-fix-early"),
      branch: "agent/fix-early",
      scanned: driverScan(repo),
    });
    expect(ready.createdWorktree).toBe(true);
    expect(await canaries(canaryDir)).toEqual([]);
  });

  it("the read-only fallback's snapshot, audit and restore", async () => {
    const before = (await takeSnapshot(worktree)) as GitSnapshot;
    const point = await prepareGitRestore(worktree, path.join(root, "audit-state"));
    await fsp.appendFile(path.join(worktree, "shared.txt"), "violation\n");
    await fsp.writeFile(path.join(worktree, "nested", "n.txt"), "changed inside the nested repository\n");
    await fsp.writeFile(path.join(worktree, "planted.inc"), "planted\n");
    const after = (await takeSnapshot(worktree)) as GitSnapshot;
    const changes = diffSnapshots(before, after);
    expect(changes.map((c) => c.path)).toEqual(
      expect.arrayContaining(["shared.txt", "planted.inc", "nested/n.txt"]),
    );
    const report = await restoreGit({
      taskId: "codex-review-x-v1",
      before,
      after,
      point,
      changes,
      stateDir: path.join(root, "audit-state"),
    });
    expect(report.restored).toBe(true);
    expect(await fsp.readFile(path.join(worktree, "shared.txt"), "utf8")).not.toContain("violation");
    expect(await canaries(canaryDir)).toEqual([]);
  });
});

describe("a worktree's administration files rewritten by its agent are put back", () => {
  it("commondir and gitdir are restored and config.worktree is moved aside, before a task and after", async () => {
    const root = await fsp.realpath(await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-admin-")));
    try {
      const repo = await makeRepo(path.join(root, "repo"));
      const wt = path.join(root, "repo-agent-fix-z");
      gitIn(repo, "worktree", "add", "-q", "-b", "agent/fix-z", wt);
      const admin = path.join(repo, ".git", "worktrees", "repo-agent-fix-z");
      const fake = path.join(root, "fake-common");
      await fsp.mkdir(fake);
      await fsp.writeFile(path.join(admin, "commondir"), `${fake}\n`);
      await fsp.writeFile(path.join(admin, "gitdir"), `${path.join(root, "elsewhere", ".git")}\n`);
      await fsp.writeFile(path.join(admin, "config.worktree"), "[core]\n\tfsmonitor = touch /nowhere\n");
      const repaired = await secureWorktreeAdmin(wt);
      expect(repaired).toHaveLength(3);
      expect(await fsp.readFile(path.join(admin, "commondir"), "utf8")).toBe("../..\n");
      expect((await fsp.readFile(path.join(admin, "gitdir"), "utf8")).trim()).toBe(path.join(wt, ".git"));
      expect((await fsp.readdir(admin)).filter((n) => n.startsWith("config.worktree"))).toEqual([
        expect.stringMatching(/^config\.worktree\.codexmcp-set-aside-\d+$/),
      ]);
      expect(gitIn(wt, "rev-parse", "--abbrev-ref", "HEAD")).toBe("agent/fix-z");
      expect(await secureWorktreeAdmin(wt)).toEqual([]);
    } finally {
      await fsp.rm(root, { recursive: true, force: true });
    }
  });
});
