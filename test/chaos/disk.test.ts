import { execFileSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdUntil } from "../helpers/hold.js";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox } from "../helpers/sandbox.js";
import { taskRuns, until } from "../helpers/wait.js";
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
  /** The file that lets the filling tasks commit, once the disk is full (outside the full disk). */
  const fillGate = () => path.join(sb.root, "disk-is-full");
  const mounts: string[] = [];

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("quick", [{ say: "ok" }]);
    // Held until the disk is full, then a commit (the repository is not on the full disk).
    sb.model.script("slowcommit", [
      ...holdUntil(fillGate(), 60),
      { sh: "echo x > x.txt && git add x.txt && git commit -qm x" },
      { say: "committed on a full disk" },
    ]);
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

  it("10: the state directory fills up while tasks run: their true outcome is recorded, reads keep working, nothing stray", async () => {
    const home = path.join(sb.root, "filling-home");
    await fsp.mkdir(home);
    // Root is needed to mount; the chaos suite runs as root (CI, and this machine).
    expect(tryMount(home, "size=4m,mode=0700"), "mounting a tmpfs needs root").toBe(true);
    mounts.push(home);
    const mcp = await McpSession.start(sb.env({ CODEXMCP_HOME: home, CODEXMCP_MAX_PARALLEL: "4" }));
    const problems: string[] = [];
    const ids: string[] = [];
    try {
      for (const i of [1, 2]) {
        const d = await mcp.ok("codex_dispatch", {
          prompt: "[[script:slowcommit]]",
          cwd: sb.repo,
          topic: `implement-fill${i}-v1`,
          sandbox: "full-access",
        });
        ids.push(String(d.task_id));
      }
      await until("both tasks to run their command", async () => ids.every((id) => taskRuns(id, fillGate())));
      // Fill the disk to the last byte.
      const filler = await fsp.open(path.join(home, "filler"), "w");
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (;;) {
        try {
          await filler.write(chunk);
        } catch {
          break;
        }
      }
      for (;;) {
        try {
          await filler.write(Buffer.alloc(1));
        } catch {
          break;
        }
      }
      await filler.close();
      await fsp.writeFile(fillGate(), "");
      // While full: status and wait answer, with each task's true outcome.
      for (const id of ids) {
        const end = await until(
          `${id} to end on a full disk`,
          async () => {
            const s = await mcp.call("codex_status", { task_id: id });
            if (s.isError) problems.push(`codex_status while full: ${s.text}`);
            return ["completed", "failed", "cancelled", "timed_out"].includes(String(s.data.status))
              ? s.data
              : undefined;
          },
          90_000,
          500,
        );
        if (end.status !== "completed" || end.commits_ahead !== 1)
          problems.push(`${id}: ${JSON.stringify(end)}`);
        const w = await mcp.call("codex_wait", { task_ids: [id], timeout_seconds: 40 });
        if (w.isError || w.data.status !== "completed") problems.push(`codex_wait while full: ${w.text}`);
      }
      const list = await mcp.call("codex_status", {});
      if (list.isError) problems.push(`listing while full: ${list.text}`);
      // Space back: the journal and meta.json catch up; nothing half-written stays behind.
      await fsp.rm(path.join(home, "filler"));
      await new Promise((r) => setTimeout(r, 11_000));
      for (const id of ids) {
        await mcp.ok("codex_status", { task_id: id });
        const meta = JSON.parse(await fsp.readFile(path.join(home, "tasks", id, "meta.json"), "utf8"));
        if (meta.status !== "completed") problems.push(`${id}: meta.json still says ${meta.status}`);
        const stray = (await fsp.readdir(path.join(home, "tasks", id))).filter((n) => n.endsWith(".tmp"));
        if (stray.length > 0) problems.push(`${id}: stray ${stray.join(", ")}`);
      }
      const lines = (await fsp.readFile(path.join(home, "completions.jsonl"), "utf8")).split("\n");
      for (const id of ids) {
        const mine = lines.filter((l) => l.startsWith(`{"task_id":"${id}"`)).map((l) => JSON.parse(l).status);
        if (mine.join() !== "completed") problems.push(`${id}: journal lines ${JSON.stringify(mine)}`);
      }
    } finally {
      await mcp.close();
    }
    recordScenario({
      scenario: "state directory fills up while tasks run",
      trials: ids.length,
      passed: problems.length === 0 ? ids.length : 0,
      lost: problems.length === 0 ? 0 : ids.length,
    });
    expect(problems).toEqual([]);
  });
});
