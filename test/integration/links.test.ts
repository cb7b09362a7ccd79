import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareWalkRestore, restoreWalk } from "../../src/audit/restore-walk.js";
import { diffSnapshots, takeSnapshot, type WalkSnapshot } from "../../src/audit/snapshot.js";
import { cli } from "../helpers/cli.js";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox } from "../helpers/sandbox.js";

/** Every file under `dir` with its content (links as their target). */
async function contents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await fsp.readdir(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(e.parentPath, e.name);
    const rel = path.relative(dir, p);
    if (e.isSymbolicLink()) out[rel] = `link:${await fsp.readlink(p)}`;
    else if (e.isFile()) out[rel] = await fsp.readFile(p, "utf8");
  }
  return out;
}

describe("codexmcp never writes through a link a repository or an agent planted", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  let victim = "";

  beforeAll(async () => {
    sb = await Sandbox.create();
    victim = path.join(sb.root, "victim");
    await fsp.mkdir(path.join(victim, "dir"), { recursive: true });
    await fsp.writeFile(path.join(victim, "review-linked-v1"), "the user's file\n");
    await fsp.writeFile(path.join(victim, "exclude"), "the user's other file\n");
    sb.model.script("ok", [{ say: "ok" }]);
    sb.model.script("link-conf", [
      { sh: `git rm -rq conf && ln -s ${victim} conf && git add conf && git commit -qm 'conf is a link'` },
      { say: "linked" },
    ]);
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  it("a repository that ships .codex-tasks as a link: the task runs, nothing is written where it points", async () => {
    const before = await contents(victim);
    const repo = await sb.newRepo("ships-link", { "README.md": "x\n" });
    await fsp.symlink(victim, path.join(repo, ".codex-tasks"));
    gitIn(repo, "add", ".codex-tasks");
    gitIn(repo, "commit", "-qm", "ship a link");
    const r = await mcp.ok("codex", {
      prompt: "[[script:ok]]",
      cwd: repo,
      topic: "review-linked-v1",
      sandbox: "read-only",
    });
    expect(r.status).toBe("completed");
    expect(await contents(victim)).toEqual(before);
    expect(mcp.stderr.join("")).toMatch(
      /could not create .*\.codex-tasks\/review-linked-v1: .*symbolic link/,
    );
  });

  it("a link at .codex-tasks/<topic> is replaced, a directory there left alone; .git/info as a link is not written", async () => {
    const repo = await sb.newRepo("inner-links", { "README.md": "x\n" });
    await fsp.mkdir(path.join(repo, ".codex-tasks", "review-own-v1"), { recursive: true });
    await fsp.writeFile(path.join(repo, ".codex-tasks", "review-own-v1", "mine.txt"), "mine\n");
    await fsp.symlink(victim, path.join(repo, ".codex-tasks", "review-relink-v1"));
    const info = path.join(repo, ".git", "info");
    await fsp.rm(info, { recursive: true, force: true });
    await fsp.symlink(victim, info);
    const before = await contents(victim);
    await mcp.ok("codex", {
      prompt: "[[script:ok]]",
      cwd: repo,
      topic: "review-relink-v1",
      sandbox: "read-only",
    });
    await mcp.ok("codex", {
      prompt: "[[script:ok]]",
      cwd: repo,
      topic: "review-own-v1",
      sandbox: "read-only",
    });
    expect(await fsp.readlink(path.join(repo, ".codex-tasks", "review-relink-v1"))).toBe(
      sb.taskDir("codex-review-relink-v1"),
    );
    expect(await fsp.readFile(path.join(repo, ".codex-tasks", "review-own-v1", "mine.txt"), "utf8")).toBe(
      "mine\n",
    );
    expect(await contents(victim)).toEqual(before);
  });

  it("worktree.copy and the task's subdirectory never go through a link the agent's branch holds", async () => {
    const repo = await sb.newRepo("copying", {
      ".gitignore": ".env\n",
      ".codexmcp.yaml": "worktree:\n  copy: ['conf/.env']\n",
      "conf/settings.txt": "settings\n",
    });
    expect((await cli(["trust", repo], sb.env())).exitCode).toBe(0);
    // v1: the agent turns conf/ into a link to somewhere else and commits it.
    const v1 = await mcp.ok("codex", {
      prompt: "[[script:link-conf]]",
      cwd: repo,
      topic: "implement-copy-v1",
      sandbox: "full-access",
    });
    expect(v1.status).toBe("completed");
    // The user has an untracked conf/.env that v2's dispatch copies into the worktree.
    await fsp.mkdir(path.join(repo, "conf"), { recursive: true });
    await fsp.writeFile(path.join(repo, "conf", ".env"), "SECRET=1\n");
    const before = await contents(victim);
    const v2 = await mcp.call("codex", {
      prompt: "[[script:ok]]",
      cwd: repo,
      topic: "implement-copy-v2",
      sandbox: "full-access",
    });
    expect(v2.isError).toBe(true);
    expect(v2.text).toMatch(/conf is a symbolic link or not a directory; codexmcp does not write through it/);
    const sub = await mcp.call("codex", {
      prompt: "[[script:ok]]",
      cwd: path.join(repo, "conf"),
      topic: "implement-copy-v3",
      sandbox: "full-access",
    });
    expect(sub.isError).toBe(true);
    expect(await contents(victim)).toEqual(before);
  });

  it("a worktree path that is a link is refused", async () => {
    const repo = await sb.newRepo("wt-link", { "README.md": "x\n" });
    await fsp.symlink(victim, path.join(sb.root, "wt-link-agent-implement-wt"));
    const r = await mcp.call("codex", {
      prompt: "[[script:ok]]",
      cwd: repo,
      topic: "implement-wt-v1",
      sandbox: "full-access",
    });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/is a symbolic link; codexmcp makes and uses worktrees only at real paths/);
  });

  it("the read-only fallback's restore outside git removes a link the agent put in place of a directory", async () => {
    const dir = path.join(sb.root, "plain");
    await fsp.mkdir(path.join(dir, "sub"), { recursive: true });
    await fsp.writeFile(path.join(dir, "sub", "a.txt"), "a\n");
    const before = (await takeSnapshot(dir)) as WalkSnapshot;
    const state = path.join(sb.root, "walk-state");
    const point = await prepareWalkRestore(before, state);
    const victimBefore = await contents(victim);
    await fsp.rm(path.join(dir, "sub"), { recursive: true });
    await fsp.symlink(victim, path.join(dir, "sub"));
    const after = await takeSnapshot(dir);
    const report = await restoreWalk({
      before,
      point,
      changes: diffSnapshots(before, after),
      stateDir: state,
    });
    expect(report.errors ?? [], JSON.stringify(report)).toEqual([]);
    expect((await fsp.lstat(path.join(dir, "sub"))).isDirectory()).toBe(true);
    expect(await fsp.readFile(path.join(dir, "sub", "a.txt"), "utf8")).toBe("a\n");
    expect(await contents(victim)).toEqual(victimBefore);
  });
});

describe("reading a task's logs never follows a link out of the task directory", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  let secret = "";
  let taskId = "";

  beforeAll(async () => {
    sb = await Sandbox.create();
    secret = path.join(sb.root, "secret.txt");
    await fsp.writeFile(secret, "TOP-SECRET-VALUE\n");
    sb.model.script("ok", [{ sh: "echo hello" }, { say: "ok" }]);
    mcp = await McpSession.start(sb.env());
    const r = await mcp.ok("codex", {
      prompt: "[[script:ok]]",
      cwd: sb.repo,
      topic: "review-logs-v1",
      sandbox: "read-only",
    });
    taskId = String(r.task_id);
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  /** Everything a client or a person can read of the task's logs, as text. */
  const everyReader = async () => {
    const logs = await cli(["logs", taskId], sb.env());
    const resource = await mcp.client
      .readResource({ uri: `codexmcp://tasks/${taskId}/log` })
      .then((r) => JSON.stringify(r))
      .catch((e: Error) => e.message);
    const events = await mcp.call("codex_events", { task_id: taskId });
    const status = await mcp.call("codex_status", { task_id: taskId });
    return {
      logs,
      resource,
      events,
      status,
      all: [logs.stdout, logs.stderr, resource, events.text, status.text].join("\n"),
    };
  };

  for (const how of ["symlink", "hardlink"] as const) {
    it(`a ${how} planted in place of the transcript and the events is refused by every reader`, async () => {
      const dir = sb.taskDir(taskId);
      for (const name of ["codex-exec.log", "events.jsonl"]) {
        await fsp.rm(path.join(dir, name), { force: true });
        if (how === "symlink") await fsp.symlink(secret, path.join(dir, name));
        else await fsp.link(secret, path.join(dir, name));
      }
      const seen = await everyReader();
      expect(seen.all).not.toContain("TOP-SECRET-VALUE");
      expect(seen.logs.exitCode).toBe(1);
      expect(seen.logs.stderr).toMatch(/codex-exec\.log is (a symbolic link|a file with other names)/);
      expect(seen.resource).toMatch(/codex-exec\.log is (a symbolic link|a file with other names)/);
      expect(seen.events.isError).toBe(true);
    });
  }

  it("a task directory that is a link out of the store is not read", async () => {
    const outside = path.join(sb.root, "outside-task");
    await fsp.mkdir(outside);
    await fsp.cp(sb.taskDir(taskId), outside, { recursive: true, verbatimSymlinks: true });
    for (const name of ["codex-exec.log", "events.jsonl"]) {
      await fsp.rm(path.join(outside, name), { force: true });
      await fsp.writeFile(path.join(outside, name), "TOP-SECRET-VALUE\n");
    }
    await fsp.rename(sb.taskDir(taskId), `${sb.taskDir(taskId)}.moved`);
    await fsp.symlink(outside, sb.taskDir(taskId));
    const seen = await everyReader();
    expect([seen.logs.stdout, seen.resource, seen.events.text].join("\n")).not.toContain("TOP-SECRET-VALUE");
    expect(seen.logs.stderr).toMatch(/is not a directory of the task store/);
  });
});
