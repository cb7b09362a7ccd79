import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { driverScan } from "../../src/git/git.js";
import { repoInfo } from "../../src/git/repo.js";
import { ensureWorktree, mayBeRegistered } from "../../src/git/worktree.js";
import { gitIn, makeRepo, sh } from "../helpers/sandbox.js";

/**
 * A dispatch for a new topic adds its worktree without asking git for the worktree list first.
 * That shortcut must never make git refuse halfway: git refuses a path that is "missing but
 * already registered" only after `-b` has made the branch, so any admin entry that may name the
 * path sends the dispatch the full way. Real git throughout.
 */
describe("adding a task's worktree", () => {
  let root = "";
  let n = 0;
  let repo = "";
  const savedPath = process.env.PATH;

  beforeAll(async () => {
    root = await fsp.realpath(await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-wtadd-")));
  });
  afterAll(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  const freshRepo = async () => {
    repo = await makeRepo(path.join(root, `repo${++n}`), { "a.txt": "a\n" });
    const info = await repoInfo(repo);
    if (!info) throw new Error("no repository");
    return info;
  };
  const branches = () => gitIn(repo, "branch", "--list", "--format=%(refname:short)").split("\n").sort();

  /** Every git this process starts from now on appends its arguments to the returned file. */
  const logGit = async (): Promise<string> => {
    const bin = path.join(root, `bin${n}`);
    const logFile = path.join(root, `git-calls${n}.log`);
    const real = sh("sh", ["-c", "command -v git"], root).trim();
    await fsp.mkdir(bin, { recursive: true });
    await fsp.writeFile(
      path.join(bin, "git"),
      `#!/bin/sh\nprintf '%s\\n' "$*" >> '${logFile}'\nexec '${real}' "$@"\n`,
      { mode: 0o755 },
    );
    process.env.PATH = `${bin}:${savedPath}`;
    return logFile;
  };
  /** The subcommands git was started with (after the `-c` options). */
  const calls = async (logFile: string) =>
    (await fsp.readFile(logFile, "utf8"))
      .trim()
      .split("\n")
      .map((line) => line.replace(/^--no-pager (-c \S+ )*/, ""));

  it("a new topic: two git processes (the driver scan and `worktree add -b`), no worktree list", async () => {
    const info = await freshRepo();
    const logFile = await logGit();
    const dir = path.join(root, `repo${n}-agent-fix-a`);
    const ready = await ensureWorktree({ repo: info, dir, branch: "agent/fix-a" });
    expect(ready).toMatchObject({ dir, createdWorktree: true, createdBranch: true, baseCommit: info.head });
    const made = await calls(logFile);
    expect(made.some((c) => c.startsWith("worktree add --quiet -b agent/fix-a"))).toBe(true);
    expect(made.filter((c) => c.startsWith("worktree list"))).toEqual([]);
    expect(made).toHaveLength(2);
    expect(gitIn(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("agent/fix-a");
  });

  it("a new topic whose dispatch scanned the drivers while it planned: `worktree add -b` alone", async () => {
    const info = await freshRepo();
    const scanned = driverScan(repo);
    await scanned;
    const logFile = await logGit();
    const dir = path.join(root, `repo${n}-agent-fix-s`);
    const ready = await ensureWorktree({ repo: info, dir, branch: "agent/fix-s", scanned });
    expect(ready).toMatchObject({ dir, createdWorktree: true, createdBranch: true });
    expect(await calls(logFile)).toEqual([expect.stringMatching(/^worktree add --quiet -b agent\/fix-s /)]);
  });

  it("a path registered on another branch and deleted by hand: the worktree and its branch are made by this call", async () => {
    const info = await freshRepo();
    const dir = path.join(root, `repo${n}-agent-fix-b`);
    gitIn(repo, "worktree", "add", "-q", "-b", "other", dir);
    await fsp.rm(dir, { recursive: true });
    expect(await mayBeRegistered(info.commonDir, dir)).toBe(true);
    const ready = await ensureWorktree({ repo: info, dir, branch: "agent/fix-b" });
    // Made by this call, so a dispatch that fails later removes it again (rollbackWorktree).
    expect(ready).toMatchObject({ createdWorktree: true, createdBranch: true });
    expect(branches()).toEqual(["agent/fix-b", "main", "other"]);
    expect(gitIn(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("agent/fix-b");
  });

  it("the branch is left from an earlier run: the worktree is added on it, its commits kept", async () => {
    const info = await freshRepo();
    const dir = path.join(root, `repo${n}-agent-fix-c`);
    gitIn(repo, "worktree", "add", "-q", "-b", "agent/fix-c", dir);
    await fsp.writeFile(path.join(dir, "c.txt"), "c\n");
    gitIn(dir, "add", "c.txt");
    sh("git", ["commit", "-qm", "agent work"], dir);
    const tip = gitIn(dir, "rev-parse", "HEAD");
    gitIn(repo, "worktree", "remove", dir);
    const logFile = await logGit();
    const ready = await ensureWorktree({ repo: info, dir, branch: "agent/fix-c" });
    expect(ready).toMatchObject({ createdWorktree: true, createdBranch: false, baseCommit: info.head });
    expect(gitIn(dir, "rev-parse", "HEAD")).toBe(tip);
    // `-b` refused the existing branch once; it is not tried a second time.
    expect((await calls(logFile)).filter((c) => c.includes("worktree add --quiet -b"))).toHaveLength(1);
  });

  it("the branch is checked out in another worktree: refused with a sentence, nothing made", async () => {
    const info = await freshRepo();
    const elsewhere = path.join(root, `repo${n}-elsewhere`);
    gitIn(repo, "worktree", "add", "-q", "-b", "agent/fix-d", elsewhere);
    const dir = path.join(root, `repo${n}-agent-fix-d`);
    await expect(ensureWorktree({ repo: info, dir, branch: "agent/fix-d" })).rejects.toThrow(
      `Branch agent/fix-d is already checked out in ${elsewhere}`,
    );
    await expect(fsp.stat(dir)).rejects.toThrow();
    expect(branches()).toEqual(["agent/fix-d", "main"]);
  });

  it("what may name a path: absolute and relative gitdir files, and unreadable entries", async () => {
    const info = await freshRepo();
    const dir = path.join(root, `repo${n}-agent-fix-e`);
    expect(await mayBeRegistered(info.commonDir, dir)).toBe(false);
    gitIn(repo, "worktree", "add", "-q", "-b", "agent/other", path.join(root, `repo${n}-agent-other`));
    expect(await mayBeRegistered(info.commonDir, dir)).toBe(false);
    // Newer git can write the path relative to the admin entry (worktree.useRelativePaths).
    const entry = path.join(info.commonDir, "worktrees", "by-hand");
    await fsp.mkdir(entry, { recursive: true });
    await fsp.writeFile(path.join(entry, "gitdir"), `${path.relative(entry, path.join(dir, ".git"))}\n`);
    expect(await mayBeRegistered(info.commonDir, dir)).toBe(true);
    await fsp.rm(path.join(entry, "gitdir"));
    expect(await mayBeRegistered(info.commonDir, dir)).toBe(true);
    await fsp.rm(entry, { recursive: true });
    expect(await mayBeRegistered(info.commonDir, dir)).toBe(false);
  });
});
