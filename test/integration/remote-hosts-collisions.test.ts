import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { makeRepo, Sandbox } from "../helpers/sandbox.js";
import { hostEntry, hostTaskId, SshHost, sshdAvailable } from "../helpers/sshd.js";
import { until, untilEnded } from "../helpers/wait.js";

/**
 * One host, many callers. Task ids are per codexmcp home, and every home — another machine, or
 * a second home on this one — can send `implement-shared_name-v1` to the same host at once:
 * here a second home with another repository of the same directory name ("project"), and a
 * third home with the first one's very repository. On the host each gets its own task, tmux
 * session, worktree and mirror; each result and branch comes back to its own caller. Real sshd,
 * real Codex on the host.
 */
describe.skipIf(!sshdAvailable())("one topic from several callers on one host (real sshd)", () => {
  let sb: Sandbox;
  let box: SshHost;
  const sessions: McpSession[] = [];
  const homes: string[] = [];
  let otherRepo = "";

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n", "which.txt": "repository A\n" });
    otherRepo = await makeRepo(path.join(sb.root, "elsewhere", "project"), {
      "README.md": "# other\n",
      "which.txt": "repository B\n",
    });
    box = await SshHost.start({ codexConfig: (dir) => sb.model.writeCodexHome(dir) });
    const gate = path.join(box.home, "collide-gate");
    for (const who of ["a", "b", "c"])
      sb.model.script(`collide-${who}`, [
        { sh: `cat which.txt > seen.txt; while [ ! -f ${gate} ]; do sleep 0.2; done` },
        { say: `Done for ${who}.` },
      ]);
    for (const [i, extra] of [
      [1, ""],
      [2, ""],
      // The first home's repository: its local worktrees go elsewhere than the first home's.
      [3, `worktree:\n  root: ${path.join(sb.root, "worktrees-3")}\n`],
    ] as const) {
      const home = i === 1 ? sb.home : path.join(sb.root, `state-${i}`);
      await fsp.mkdir(home, { recursive: true, mode: 0o700 });
      await fsp.writeFile(path.join(home, "config.yaml"), `${extra}hosts:\n${hostEntry(box, "box1")}`);
      homes.push(home);
      sessions.push(await McpSession.start(sb.env({ CODEXMCP_HOME: home })));
    }
  }, 180_000);
  afterAll(async () => {
    for (const s of sessions) await s.close();
    await box?.destroy();
    await sb?.dispose();
  });

  it("each caller gets its own task, tmux session, worktree and mirror on the host, and its own result back", async () => {
    const id = "codex-implement-shared_name-v1";
    const callers = [
      { mcp: sessions[0] as McpSession, home: homes[0] as string, cwd: sb.repo, who: "a" },
      { mcp: sessions[1] as McpSession, home: homes[1] as string, cwd: otherRepo, who: "b" },
      { mcp: sessions[2] as McpSession, home: homes[2] as string, cwd: sb.repo, who: "c" },
    ];
    for (const c of callers) {
      // The third caller's snapshot carries an uncommitted change of its own.
      if (c.who === "c") await fsp.writeFile(path.join(sb.repo, "which.txt"), "repository A, third home\n");
      const d = await c.mcp.ok("codex_dispatch", {
        prompt: `Same topic [[script:collide-${c.who}]]`,
        cwd: c.cwd,
        topic: "implement-shared_name-v1",
        sandbox: "full-access",
        host: "box1",
      });
      expect(d.task_id).toBe(id);
    }
    const there = callers.map((c) => hostTaskId(c.home, id));
    expect(new Set(there).size).toBe(3);
    for (const t of there) expect(t).toMatch(/^codex-implement-shared_name_[0-9a-f]{8}-v1$/);

    // While all three hold: three tasks, three tmux sessions, three worktrees, three mirrors there.
    let seen: Record<string, unknown>[] = [];
    await until(
      "all three to run on the host",
      async () => {
        seen = await Promise.all(callers.map((c) => c.mcp.ok("codex_status", { task_id: id })));
        return seen.every((s) => s.status === "running") ? seen : undefined;
      },
      180_000,
      500,
    ).catch((err: unknown) => {
      const said = seen.map((s) => `${String(s.status)} ${String(s.error ?? "")}`).join("; ");
      throw new Error(`${String(err)}; here: ${said}; on the host:\n${box.ssh([box.codexmcpBin, "ls"])}`);
    });
    const hostTasks = await fsp.readdir(path.join(box.home, ".codexmcp", "tasks"));
    expect(hostTasks.filter((t) => there.includes(t))).toHaveLength(3);
    // Each in its own tmux session there (looked at on the host itself, not through a mirror).
    const tmuxSessions = () => {
      try {
        return box.ssh(["tmux", "list-sessions", "-F", "#{session_name}"]).split("\n");
      } catch {
        return [];
      }
    };
    await until("the three tmux sessions on the host", async () =>
      there.every((t) => tmuxSessions().includes(t)) ? true : undefined,
    ).catch((err: unknown) => {
      throw new Error(
        `${String(err)}; sessions: ${tmuxSessions().join(" ")}; on the host:\n${box.ssh([box.codexmcpBin, "ls"])}`,
      );
    });
    const worktrees = (await fsp.readdir(path.join(box.home, "codexmcp-worktrees"))).filter((w) =>
      w.includes("shared_name"),
    );
    expect(worktrees).toHaveLength(3);
    expect(await fsp.readdir(path.join(box.home, ".codexmcp", "mirrors"))).toHaveLength(3);

    await fsp.writeFile(path.join(box.home, "collide-gate"), "");
    const ends = await Promise.all(callers.map((c) => untilEnded(c.mcp, id, 180_000)));
    expect(ends.map((s) => s.status)).toEqual(["completed", "completed", "completed"]);
    expect(ends.map((s) => s.result)).toEqual(["Done for a.", "Done for b.", "Done for c."]);
    // Each worktree on the host holds its own caller's snapshot.
    const onHost = await Promise.all(
      there.map((t) =>
        fsp.readFile(
          path.join(
            box.home,
            "codexmcp-worktrees",
            worktrees.find((w) => w.endsWith(`-agent-${t.slice("codex-".length, -"-v1".length)}`)) ?? "?",
            "seen.txt",
          ),
          "utf8",
        ),
      ),
    );
    expect(onHost).toEqual(["repository A\n", "repository B\n", "repository A, third home\n"]);
    // The other repository's branch came back into it alone. (The first and third callers share
    // one repository, and so its agent/ branch: whichever came back second is kept under a ref,
    // with a note, as for any branch that moved here meanwhile.)
    expect(ends[1]?.worktree_dir).toBe(
      path.join(path.dirname(otherRepo), "project-agent-implement-shared_name"),
    );
    expect(await fsp.readFile(path.join(String(ends[1]?.worktree_dir), "seen.txt"), "utf8")).toBe(
      "repository B\n",
    );
  }, 400_000);
});
