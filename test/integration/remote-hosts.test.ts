import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fsp, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlDir } from "../../src/hosts/ssh/ssh.js";
import { holdFor } from "../helpers/hold.js";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox, SERVER_BIN, sh } from "../helpers/sandbox.js";
import { hostEntry, hostTaskId, SshHost, sshdAvailable } from "../helpers/sshd.js";
import { until, untilEnded } from "../helpers/wait.js";

/**
 * Remote hosts over real OpenSSH: a throwaway user with its own sshd on 127.0.0.1, the built
 * codexmcp and the pinned Codex CLI installed for it, Codex on both sides driven by the
 * scripted model. The local server reaches the host through the system ssh with a client config
 * of its own (ssh_options: -F).
 */
function indexDigest(repo: string): string {
  return createHash("sha256")
    .update(readFileSync(path.join(repo, ".git", "index")))
    .digest("hex");
}

describe.skipIf(!sshdAvailable())("remote hosts over ssh (real sshd, real Codex on the host)", () => {
  let sb: Sandbox;
  let box: SshHost;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n", "src/app.js": "module.exports = 1;\n" });
    sb.model.script("remote-feature", [
      {
        sh: "cat staged.txt notes.txt > seen.txt && printf 'export const f = 1;\\n' > feature.ts && git add feature.ts && git commit -qm 'add feature' && echo draft > draft.txt && hostname > host.txt && id -un > user.txt",
      },
      { say: "Built the feature on the host." },
    ]);
    sb.model.script("remote-reply", [{ sh: "echo again > reply.txt" }, { say: "Replied on the host." }]);
    box = await SshHost.start({ codexConfig: (dir) => sb.model.writeCodexHome(dir) });
    await fsp.mkdir(sb.home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(path.join(sb.home, "config.yaml"), `hosts:\n${hostEntry(box, "box1")}`);
    mcp = await McpSession.start(sb.env());
  }, 180_000);
  afterAll(async () => {
    await mcp?.close();
    await box?.destroy();
    await sb?.dispose();
  });

  it("dispatch → wait → diff → merge from a dirty working tree; the snapshot carries uncommitted and untracked files, the user's index is untouched; a reply runs on the same host and worktree", async () => {
    await fsp.writeFile(path.join(sb.repo, "staged.txt"), "staged change\n");
    gitIn(sb.repo, "add", "staged.txt");
    await fsp.appendFile(path.join(sb.repo, "README.md"), "unstaged edit\n");
    await fsp.writeFile(path.join(sb.repo, "notes.txt"), "untracked notes\n");
    const indexBefore = indexDigest(sb.repo);
    const statusBefore = gitIn(sb.repo, "status", "--porcelain");
    const headBefore = gitIn(sb.repo, "rev-parse", "HEAD");

    const d = await mcp.ok("codex_dispatch", {
      prompt: "Build the feature [[script:remote-feature]]",
      cwd: sb.repo,
      topic: "implement-remote_feature-v1",
      sandbox: "full-access",
      host: "box1",
    });
    expect(d).toMatchObject({
      task_id: "codex-implement-remote_feature-v1",
      host: "box1",
      agent_branch: "agent/implement-remote_feature",
    });
    expect(String(d.attach_command)).toMatch(
      new RegExp(
        `^ssh -t -F ${box.clientConfig.replaceAll(".", "\\.")} ${box.alias} -- \\S*tmux attach -t codex-implement-remote_feature_[0-9a-f]{8}-v1$`,
      ),
    );
    // The user's index, work tree and HEAD are as they were.
    expect(indexDigest(sb.repo)).toBe(indexBefore);
    expect(gitIn(sb.repo, "status", "--porcelain")).toBe(statusBefore);
    expect(gitIn(sb.repo, "rev-parse", "HEAD")).toBe(headBefore);

    const w = await mcp.ok(
      "codex_wait",
      { task_ids: [d.task_id], cursor: d.cursor, timeout_seconds: 120 },
      { timeoutMs: 180_000 },
    );
    expect(w).toMatchObject({ status: "completed" });
    const s = await mcp.ok("codex_status", { task_id: d.task_id });
    expect(s).toMatchObject({
      status: "completed",
      success: true,
      result: "Built the feature on the host.",
      host: "box1",
    });
    // feature.ts (committed there), seen.txt, draft.txt, host.txt, user.txt (untracked there).
    expect(s).toMatchObject({ commits_ahead: 1, files_changed: 5 });

    // The branch came back: the local worktree holds the host's commit and its uncommitted files.
    const worktree = String(s.worktree_dir);
    expect(worktree).toBe(path.join(path.dirname(sb.repo), "project-agent-implement-remote_feature"));
    expect(await fsp.readFile(path.join(worktree, "seen.txt"), "utf8")).toBe(
      "staged change\nuntracked notes\n",
    );
    expect((await fsp.readFile(path.join(worktree, "user.txt"), "utf8")).trim()).toBe(box.user);
    expect(gitIn(worktree, "log", "-1", "--format=%s")).toBe("add feature");

    const diff = await mcp.ok("codex_diff", { task_id: d.task_id });
    expect(String(diff.patch)).toContain("+export const f = 1;");
    expect(String(diff.patch)).toContain("+staged change");
    expect(String(diff.patch)).not.toContain("unstaged edit");

    // The result arrived exactly once in the completion journal.
    const journal = (await fsp.readFile(path.join(sb.home, "completions.jsonl"), "utf8"))
      .split("\n")
      .filter((l) => l.includes(String(d.task_id)));
    expect(journal).toHaveLength(1);

    // A reply goes to the same host and worktree.
    const r = await mcp.ok("codex_reply", {
      task_id: d.task_id,
      prompt: "Once more [[script:remote-reply]]",
    });
    expect(r).toMatchObject({ task_id: "codex-implement-remote_feature-v2", host: "box1" });
    const r2 = await untilEnded(mcp, "codex-implement-remote_feature-v2", 120_000);
    expect(r2).toMatchObject({ status: "completed", result: "Replied on the host." });
    expect(await fsp.readFile(path.join(worktree, "reply.txt"), "utf8")).toBe("again\n");
    expect(await fsp.readFile(path.join(worktree, "seen.txt"), "utf8")).toBe(
      "staged change\nuntracked notes\n",
    );

    // Merge: the user commits their own work first (merge refuses a checkout with tracked changes).
    sh("git", ["add", "-A"], sb.repo);
    sh("git", ["commit", "-qm", "my own work"], sb.repo);
    const m = await mcp.ok("codex_merge", {
      task_id: "codex-implement-remote_feature-v2",
      strategy: "merge",
      commit_uncommitted: true,
    });
    expect(m).toMatchObject({ merged: true });
    expect(await fsp.readFile(path.join(sb.repo, "feature.ts"), "utf8")).toBe("export const f = 1;\n");
    expect(await fsp.readFile(path.join(sb.repo, "reply.txt"), "utf8")).toBe("again\n");
    expect(await fsp.readFile(path.join(sb.repo, "README.md"), "utf8")).toContain("unstaged edit");

    // Cleanup removes the local worktree and, by the host's rules, the host's worktree too.
    const onHost = async () =>
      (await fsp.readdir(path.join(box.home, "codexmcp-worktrees")).catch(() => [] as string[])).filter((n) =>
        /-agent-implement-remote_feature_[0-9a-f]{8}$/.test(n),
      );
    expect(await onHost()).toHaveLength(1);
    const c = await mcp.ok("codex_cleanup", { task_id: "codex-implement-remote_feature-v2" });
    expect(c.cleaned).toEqual([
      expect.objectContaining({
        worktree_removed: true,
        remote: { host: "box1", removed: true, reasons: [] },
      }),
    ]);
    expect(await onHost()).toEqual([]);
    await expect(fsp.access(worktree)).rejects.toThrow();
  }, 400_000);

  it("bad input: an unknown host, a host without codexmcp, another codexmcp version — each refused with a sentence, nothing started", async () => {
    const fake = path.join(box.home, "old-codexmcp");
    await fsp.writeFile(
      fake,
      `#!/bin/sh\necho '{"codexmcp":"0.0.1","protocol":1,"home":"x","load":[0,0,0],"cpus":1,"running":0,"queued":0,"max_parallel":1}'\n`,
      { mode: 0o755 },
    );
    execFileSync("chown", [`${box.user}:${box.user}`, fake]);
    const home = path.join(sb.root, "state-bad");
    await fsp.mkdir(home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(
      path.join(home, "config.yaml"),
      `hosts:\n${hostEntry(box, "nocodexmcp", { codexmcp: "/nonexistent/codexmcp" })}${hostEntry(box, "old", { codexmcp: fake })}`,
    );
    const bad = await McpSession.start(sb.env({ CODEXMCP_HOME: home }));
    try {
      const base = { prompt: "x", cwd: sb.repo, sandbox: "full-access" };
      const unknown = await bad.call("codex_dispatch", {
        ...base,
        topic: "fix-unknown_host-v1",
        host: "box9",
      });
      expect(unknown.isError).toBe(true);
      expect(unknown.text).toContain('Unknown host "box9"; the configured hosts are "nocodexmcp", "old"');
      const missing = await bad.call("codex_dispatch", {
        ...base,
        topic: "fix-no_codexmcp-v1",
        host: "nocodexmcp",
      });
      expect(missing.isError).toBe(true);
      expect(missing.text).toContain('Host nocodexmcp has no codexmcp at "/nonexistent/codexmcp"');
      expect(missing.text).toContain("set codexmcp: <path> for host nocodexmcp in config.yaml");
      const old = await bad.call("codex_dispatch", { ...base, topic: "fix-old_version-v1", host: "old" });
      expect(old.isError).toBe(true);
      expect(old.text).toMatch(
        /Host old runs codexmcp 0\.0\.1, this server runs \S+: both sides must run the same version/,
      );
      // Nothing was recorded for any of them.
      const tasks = await fsp.readdir(path.join(home, "tasks")).catch(() => []);
      expect(tasks).toEqual([]);
      // codexmcp hosts says the same, and exits 1.
      let out = "";
      try {
        execFileSync(process.execPath, [SERVER_BIN, "hosts"], {
          env: sb.env({ CODEXMCP_HOME: home }),
          encoding: "utf8",
        });
      } catch (err) {
        out = String((err as { stdout?: string }).stdout);
      }
      expect(out).toContain("nocodexmcp");
      expect(out).toContain("both sides must run the same version");
    } finally {
      await bad.close();
    }
  }, 120_000);

  it("codexmcp hosts lists a reachable host with its version, load and running tasks", async () => {
    const out = execFileSync(process.execPath, [SERVER_BIN, "hosts", "--json"], {
      env: sb.env(),
      encoding: "utf8",
    });
    const rows = JSON.parse(out) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: "box1", reachable: true, error: null, running: 0 });
    expect(String(rows[0]?.version)).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof rows[0]?.load).toBe("number");
    // The shared connection is up for the next call (any process): ssh's own check says so.
    const masterUp = (home: string) =>
      spawnSync(
        "ssh",
        [
          ...box.sshOptions,
          "-o",
          `ControlPath=${path.join(controlDir(home), "%C")}`,
          "-O",
          "check",
          box.alias,
        ],
        { stdio: "ignore" },
      ).status;
    expect(masterUp(sb.home)).toBe(0);
    // A state directory whose ssh/ is 52 bytes long: a socket name fits there, but not the
    // master's temporary one (58 more bytes); the connection is shared from the temp dir.
    const deep = path.join(sb.root, "s".repeat(52 - sb.root.length - "/".length - "/ssh".length));
    expect(Buffer.byteLength(path.join(deep, "ssh"))).toBe(52);
    await fsp.mkdir(deep, { mode: 0o700 });
    await fsp.copyFile(path.join(sb.home, "config.yaml"), path.join(deep, "config.yaml"));
    expect(controlDir(deep)).not.toBe(path.join(deep, "ssh"));
    execFileSync(process.execPath, [SERVER_BIN, "hosts"], { env: sb.env({ CODEXMCP_HOME: deep }) });
    expect(masterUp(deep)).toBe(0);
  }, 60_000);

  it("attach_command, run under tmux, shows the task's pane on the host", async () => {
    sb.model.script("remote-slow", [{ sh: "echo visible-in-pane && sleep 20" }, { say: "slow done" }]);
    const d = await mcp.ok("codex_dispatch", {
      prompt: "Slow [[script:remote-slow]]",
      cwd: sb.repo,
      topic: "test-remote_attach-v1",
      sandbox: "full-access",
      host: "box1",
    });
    await until("the task to run on the host", async () => {
      const s = await mcp.ok("codex_status", { task_id: d.task_id });
      return s.status === "running" ? s : undefined;
    });
    const session = "attach-check";
    sb.tmux(
      "new-session",
      "-d",
      "-s",
      session,
      "-x",
      "200",
      "-y",
      "50",
      "sh",
      "-c",
      String(d.attach_command),
    );
    const pane = await until(
      "the attached pane to show the task",
      async () => {
        const text = sb.tmux("capture-pane", "-p", "-t", `=${session}:`);
        return text.includes("visible-in-pane") ? text : undefined;
      },
      60_000,
      500,
    );
    expect(pane).toContain("visible-in-pane");
    sb.tmux("kill-session", "-t", `=${session}`);
    await mcp.ok("codex_cancel", { task_id: d.task_id });
  }, 180_000);
  it("cancel runs the host's cancel: the outcome comes back cancelled and no process of the task is left on the host", async () => {
    sb.model.script("remote-cancel", [
      { sh: "sleep 300 & sleep 300; echo never" },
      ...holdFor(600),
      { say: "never" },
    ]);
    const d = await mcp.ok("codex_dispatch", {
      prompt: "Hang [[script:remote-cancel]]",
      cwd: sb.repo,
      topic: "test-remote_cancel-v1",
      sandbox: "full-access",
      host: "box1",
    });
    await until("the command to run on the host", async () =>
      box.userCommands().some((c) => c.startsWith("sleep 300")) ? true : undefined,
    );
    const c = await mcp.ok("codex_cancel", { task_id: d.task_id }, { timeoutMs: 120_000 });
    expect(c).toMatchObject({ status: "cancelled" });
    const s = await mcp.ok("codex_status", { task_id: d.task_id });
    expect(s.status).toBe("cancelled");
    await until("every process of the task to end on the host", async () =>
      box.userCommands().length === 0 ? true : undefined,
    );
    expect(box.userCommands()).toEqual([]);
  }, 180_000);

  it("a host that stops answering leaves its task running with host_unreachable_since, never failed; back up, the true outcome arrives once", async () => {
    sb.model.script("remote-outage", [
      { sh: "sleep 12 && echo finished > outage.txt" },
      { say: "Survived the outage." },
    ]);
    const d = await mcp.ok("codex_dispatch", {
      prompt: "Work through it [[script:remote-outage]]",
      cwd: sb.repo,
      topic: "test-remote_outage-v1",
      sandbox: "full-access",
      host: "box1",
    });
    await until("the task to run", async () => {
      const s = await mcp.ok("codex_status", { task_id: d.task_id });
      return s.status === "running" ? s : undefined;
    });
    await box.stopSshd();
    const down = await until("the host to read as unreachable", async () => {
      const s = await mcp.ok("codex_status", { task_id: d.task_id });
      return s.host_unreachable_since ? s : undefined;
    });
    expect(down.status).toBe("running");
    // The task ends on the host meanwhile; here it still runs, as far as anyone can tell.
    await until(
      "the task to end on the host",
      async () => {
        try {
          await fsp.access(
            path.join(box.home, ".codexmcp/tasks", hostTaskId(sb.home, String(d.task_id)), "result.json"),
          );
          return true;
        } catch {
          return undefined;
        }
      },
      90_000,
      500,
    );
    const still = await mcp.ok("codex_status", { task_id: d.task_id });
    expect(still).toMatchObject({ status: "running", host_unreachable_since: down.host_unreachable_since });
    await box.startSshd();
    const s = await untilEnded(mcp, String(d.task_id), 60_000);
    expect(s).toMatchObject({ status: "completed", result: "Survived the outage." });
    expect(s.host_unreachable_since).toBeUndefined();
    expect(s.note ?? null).toBeNull();
    expect(await fsp.readFile(path.join(String(s.worktree_dir), "outage.txt"), "utf8")).toBe("finished\n");
    await mcp.ok("codex_status", { task_id: d.task_id });
    const lines = (await fsp.readFile(path.join(sb.home, "completions.jsonl"), "utf8"))
      .split("\n")
      .filter((l) => l.includes(String(d.task_id)));
    expect(lines).toHaveLength(1);
  }, 240_000);

  it("the ssh connection killed mid-task and the local server SIGKILLed: the task finishes on the host and its result arrives exactly once after a restart", async () => {
    sb.model.script("remote-crash", [{ sh: "sleep 8 && echo done > crash.txt" }, { say: "Finished alone." }]);
    const first = await McpSession.start(sb.env());
    const d = await first.ok("codex_dispatch", {
      prompt: "Keep going [[script:remote-crash]]",
      cwd: sb.repo,
      topic: "test-remote_crash-v1",
      sandbox: "full-access",
      host: "box1",
    });
    await until("the task to run", async () => {
      const s = await first.ok("codex_status", { task_id: d.task_id });
      return s.status === "running" ? s : undefined;
    });
    expect(box.cutConnections()).toBeGreaterThan(0);
    process.kill(Number(first.pid), "SIGKILL");
    await first.close();
    await until(
      "the task to end on the host",
      async () => {
        try {
          await fsp.access(
            path.join(box.home, ".codexmcp/tasks", hostTaskId(sb.home, String(d.task_id)), "result.json"),
          );
          return true;
        } catch {
          return undefined;
        }
      },
      90_000,
      500,
    );
    const again = await McpSession.start(sb.env());
    try {
      const w = await again.ok(
        "codex_wait",
        { task_ids: [d.task_id], cursor: d.cursor, timeout_seconds: 60 },
        { timeoutMs: 120_000 },
      );
      expect(w).toMatchObject({ status: "completed" });
      const s = await again.ok("codex_status", { task_id: d.task_id });
      expect(s).toMatchObject({ status: "completed", result: "Finished alone." });
      await again.ok("codex_status", { task_id: d.task_id });
      await mcp.ok("codex_status", { task_id: d.task_id });
      const lines = (await fsp.readFile(path.join(sb.home, "completions.jsonl"), "utf8"))
        .split("\n")
        .filter((l) => l.includes(String(d.task_id)));
      expect(lines).toHaveLength(1);
    } finally {
      await again.close();
    }
  }, 240_000);

  it("two hosts: auto places each task on the host with room, honouring max_parallel; a third waits in a host's queue", async () => {
    // Two hosts of its own: auto counts every task a host runs, other tests' too.
    const [box1, box2] = await Promise.all([
      SshHost.start({ codexConfig: (dir) => sb.model.writeCodexHome(dir) }),
      SshHost.start({ codexConfig: (dir) => sb.model.writeCodexHome(dir) }),
    ]);
    const home = path.join(sb.root, "state-auto");
    await fsp.mkdir(home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(
      path.join(home, "config.yaml"),
      `hosts:\n${hostEntry(box1, "box1", { max_parallel: 1 })}${hostEntry(box2, "box2", { max_parallel: 1 })}`,
    );
    // Long enough to outlast three dispatches on a loaded machine (one long command would end
    // after Codex's 30 s yield: see holdFor); the test cancels them.
    sb.model.script("remote-auto", [...holdFor(600), { say: "auto done" }]);
    const auto = await McpSession.start(sb.env({ CODEXMCP_HOME: home }));
    try {
      const placed: string[] = [];
      const ids: string[] = [];
      for (const n of [1, 2, 3]) {
        const d = await auto.ok("codex_dispatch", {
          prompt: "Auto [[script:remote-auto]]",
          cwd: sb.repo,
          topic: `test-auto_${n}-v1`,
          sandbox: "full-access",
          host: "auto",
        });
        placed.push(String(d.host));
        ids.push(String(d.task_id));
        if (n < 3)
          await until("it to start on its host", async () => {
            const s = await auto.ok("codex_status", { task_id: d.task_id });
            return s.status === "running" ? s : undefined;
          });
      }
      expect(new Set(placed.slice(0, 2))).toEqual(new Set(["box1", "box2"]));
      // auto_includes_local is off: an idle local machine is not a candidate, the third waits on a host.
      expect(placed[2]).toMatch(/^box[12]$/);
      const all = await Promise.all(ids.map((id) => auto.ok("codex_status", { task_id: id })));
      const said = all.map(
        (s) => `${String(s.task_id)}@${String(s.host)}: ${String(s.status)} ${String(s.error ?? "")}`,
      );
      expect(all[2]?.status, said.join("\n")).toBe("queued");
      for (const id of ids) await auto.ok("codex_cancel", { task_id: id }, { timeoutMs: 120_000 });
    } finally {
      await auto.close();
      await Promise.all([box1.destroy(), box2.destroy()]);
    }
  }, 300_000);
});
