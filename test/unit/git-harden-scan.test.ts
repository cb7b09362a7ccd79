import { describe, expect, it } from "vitest";
import { needsDriverScan } from "../../src/git/harden.js";

describe("which git commands skip the scan for repository-configured drivers", () => {
  it("skips it only for commands that touch refs and git's bookkeeping alone", () => {
    for (const args of [
      ["rev-parse", "--show-toplevel", "HEAD"],
      ["symbolic-ref", "-q", "HEAD"],
      ["show-ref", "--verify", "refs/heads/x"],
      ["for-each-ref", "refs/heads"],
      ["update-ref", "refs/x", "HEAD"],
      ["merge-base", "a", "b"],
      ["rev-list", "--count", "a..b"],
      ["worktree", "list", "--porcelain"],
      ["worktree", "prune"],
    ])
      expect(needsDriverScan(args), args.join(" ")).toBe(false);
  });

  it("scans before anything that can check out, hash, diff, show or merge content", () => {
    for (const args of [
      ["worktree", "add", "dir", "branch"],
      ["worktree", "remove", "--force", "dir"],
      ["worktree", "move", "a", "b"],
      ["worktree", "repair"],
      ["worktree"],
      ["add", "-A"],
      ["status", "--porcelain"],
      ["diff", "HEAD"],
      ["ls-files", "-m"],
      ["hash-object", "-w", "f"],
      ["cat-file", "--filters", "HEAD:a"],
      ["checkout", "main"],
      ["merge", "x"],
      ["stash"],
      ["commit", "-m", "x"],
      ["read-tree", "HEAD"],
      ["checkout-index", "-a"],
      ["log", "-p"],
      ["show", "HEAD"],
      [],
    ])
      expect(needsDriverScan(args), args.join(" ")).toBe(true);
  });
});
