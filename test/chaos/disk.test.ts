import { execFileSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox } from "../helpers/sandbox.js";
import { recordScenario } from "./summary.js";

function tryMount(dir: string, options: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function unmount(dir: string): void {
  try {
    execFileSync("umount", [dir], { stdio: "ignore" });
  } catch {
    // not mounted
  }
}

describe("chaos: a full or unwritable state directory", () => {
  let sb: Sandbox;
  const mounts: string[] = [];

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("quick", [{ say: "ok" }]);
  });
  afterAll(async () => {
    for (const m of mounts) unmount(m);
    await sb?.dispose();
  });

  it("a clear error and nothing half-made: no task directory, no worktree, no branch", async () => {
    const cases: { name: string; home: string; prompt: string }[] = [];
    // Disk full: a 64 KiB filesystem; the task directory fits, a 1 MiB prompt does not.
    const full = path.join(sb.root, "full-home");
    await fsp.mkdir(full);
    if (tryMount(full, "size=64k,mode=0700")) {
      mounts.push(full);
      cases.push({ name: "disk full", home: full, prompt: "x".repeat(1024 * 1024) });
    }
    // Unwritable: a read-only filesystem, or (where mounting is not allowed) a path under a file.
    const ro = path.join(sb.root, "ro-home");
    await fsp.mkdir(ro);
    if (tryMount(ro, "ro,size=64k")) {
      mounts.push(ro);
      cases.push({ name: "read-only filesystem", home: ro, prompt: "hello" });
    }
    cases.push({
      name: "path under a regular file",
      home: path.join(sb.repo, "README.md", "state"),
      prompt: "hello",
    });

    let passed = 0;
    const problems: string[] = [];
    for (const [i, c] of cases.entries()) {
      const mcp = await McpSession.start(sb.env({ CODEXMCP_HOME: c.home }));
      try {
        const r = await mcp.call("codex_dispatch", {
          prompt: c.prompt,
          cwd: sb.repo,
          topic: `implement-disk${i}-v1`,
          sandbox: "full-access",
        });
        const clear =
          r.isError &&
          /Cannot write the task store .*(free disk space|make it writable|fix permissions)/.test(r.text);
        const taskDirs = await fsp.readdir(path.join(c.home, "tasks")).catch(() => []);
        const worktrees = gitIn(sb.repo, "worktree", "list").split("\n").length;
        const branches = gitIn(sb.repo, "branch", "--list", "agent/*");
        if (clear && taskDirs.length === 0 && worktrees === 1 && branches === "") passed++;
        else problems.push(`${c.name}: ${JSON.stringify({ text: r.text, taskDirs, worktrees, branches })}`);
        expect(mcp.pid && process.kill(mcp.pid, 0)).toBe(true);
      } finally {
        await mcp.close();
      }
    }
    // Space freed: the same dispatch goes through.
    if (mounts.includes(full)) {
      const mcp = await McpSession.start(sb.env({ CODEXMCP_HOME: full }));
      try {
        const ok = await mcp.call("codex", {
          prompt: "[[script:quick]]",
          cwd: sb.repo,
          topic: "review-diskok-v1",
          sandbox: "read-only",
        });
        if (ok.isError || ok.data.status !== "completed") problems.push(`after freeing space: ${ok.text}`);
      } finally {
        await mcp.close();
      }
    }
    recordScenario({
      scenario: "full / unwritable CODEXMCP_HOME at dispatch",
      trials: cases.length,
      passed,
      lost: cases.length - passed,
    });
    expect(problems).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(1);
  });
});
