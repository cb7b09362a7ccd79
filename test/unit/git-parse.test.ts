import { describe, expect, it } from "vitest";
import { parseShortstat } from "../../src/git/diffstat.js";
import { isGitLockError } from "../../src/git/git.js";
import { parseWorktreeList } from "../../src/git/worktree-list.js";

describe("git output parsing", () => {
  it("reads --shortstat lines", () => {
    expect(parseShortstat(" 3 files changed, 42 insertions(+), 10 deletions(-)")).toEqual({
      files: 3,
      insertions: 42,
      deletions: 10,
    });
    expect(parseShortstat(" 1 file changed, 1 deletion(-)")).toEqual({
      files: 1,
      insertions: 0,
      deletions: 1,
    });
    expect(parseShortstat("")).toEqual({ files: 0, insertions: 0, deletions: 0 });
  });

  it("reads worktree list --porcelain", () => {
    const out =
      "worktree /r\nHEAD aaa\nbranch refs/heads/main\n\nworktree /r-agent-x\nHEAD bbb\nbranch refs/heads/agent/x\n\nworktree /gone\nHEAD ccc\ndetached\nprunable gitdir file points to non-existent location\n";
    expect(parseWorktreeList(out)).toEqual([
      { dir: "/r", head: "aaa", branch: "main", prunable: false },
      { dir: "/r-agent-x", head: "bbb", branch: "agent/x", prunable: false },
      { dir: "/gone", head: "ccc", branch: null, prunable: true },
    ]);
    // A worktree `git worktree add` is still making names the null id as its HEAD.
    expect(parseWorktreeList(`worktree /new\nHEAD ${"0".repeat(40)}\ndetached\n`)).toEqual([
      { dir: "/new", head: null, branch: null, prunable: false },
    ]);
  });

  it("recognises git lock contention", () => {
    expect(isGitLockError(new Error("fatal: Unable to create '/r/.git/index.lock': File exists."))).toBe(
      true,
    );
    expect(isGitLockError(new Error("error: cannot lock ref 'refs/heads/agent/x'"))).toBe(true);
    expect(isGitLockError(new Error("fatal: invalid reference: x"))).toBe(false);
  });
});
