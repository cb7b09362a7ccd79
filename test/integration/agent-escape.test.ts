import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canaries, DISARMED, writeArmScript } from "../helpers/hostile-git.js";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox, sh } from "../helpers/sandbox.js";

/**
 * The agent as an attacker, through the real Codex CLI. It arms the repository (config, hooks,
 * attributes, nested repositories) so that any git codexmcp runs afterwards would run its
 * programs; each program would leave a canary file. codexmcp then computes diff stats (runner),
 * shows the diff, merges with every strategy and cleans up: no canary may appear.
 *
 * The repositories live outside /tmp: Codex's workspace-write sandbox leaves /tmp writable.
 */
const PARENT = "/var/tmp";

describe("a full-access agent cannot make codexmcp run its programs", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  let canaryDir = "";
  const tasks: Record<string, Record<string, unknown>> = {};

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n", "shared.txt": "one\ntwo\n" }, { parent: PARENT });
    canaryDir = path.join(sb.root, "canaries");
    await fsp.mkdir(canaryDir);
    const armFull = await writeArmScript(path.join(sb.root, "arm-full.sh"), canaryDir, {
      commitAttributes: true,
    });
    for (const name of ["merge", "squash", "rebase", "forced"]) {
      sb.model.script(`feature-${name}`, [
        {
          sh: `echo ${name} > feature-${name}.txt && git add feature-${name}.txt && git commit -qm 'feature ${name}'`,
        },
        { say: `feature ${name} done` },
      ]);
    }
    mcp = await McpSession.start(sb.env());
    for (const name of ["merge", "squash", "rebase", "forced"]) {
      tasks[name] = await mcp.ok("codex", {
        prompt: `[[script:feature-${name}]]`,
        cwd: sb.repo,
        topic: `implement-${name}-v1`,
        sandbox: "full-access",
      });
      expect(tasks[name]).toMatchObject({ status: "completed", commits_ahead: 1 });
    }
    // One more agent arms everything: the shared config, hooks and info/attributes (every
    // worktree reads them), its own worktree and the ones merged and force-cleaned (committed
    // attributes, a dirty nested repository), and leaves uncommitted work. It is the last Codex to run: Codex itself runs
    // `git status` in its workspace when it starts.
    const wt = (name: string) => String(tasks[name]?.worktree_dir);
    const steps = [
      `sh ${armFull}`,
      "echo wip >> README.md && echo untracked > untracked.txt",
      `(cd ${wt("merge")} && sh ${armFull} && echo wip >> README.md)`,
      `(cd ${wt("forced")} && sh ${armFull} && echo wip >> README.md && echo new > new.txt)`,
    ];
    sb.model.script("arm", [{ sh: steps.join(" && ") }, { say: "armed" }]);
    tasks.arm = await mcp.ok("codex", {
      prompt: "[[script:arm]]",
      cwd: sb.repo,
      topic: "implement-arm-v1",
      sandbox: "full-access",
    });
  }, 300_000);
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  it("the runner's diff stats of the arming task", async () => {
    expect(tasks.arm).toMatchObject({ status: "completed" });
    expect(Number(tasks.arm?.files_changed)).toBeGreaterThan(0);
    expect(await canaries(canaryDir)).toEqual([]);
  });

  it("codex_diff", async () => {
    const d = await mcp.ok("codex_diff", { task_id: tasks.arm?.task_id });
    expect(d.patch).toContain("+wip");
    expect(await canaries(canaryDir)).toEqual([]);
  });

  it("codex_merge with merge (committing the agent's uncommitted work first), squash and rebase", async () => {
    const merged = await mcp.ok("codex_merge", {
      task_id: tasks.merge?.task_id,
      strategy: "merge",
      commit_uncommitted: true,
    });
    expect(merged).toMatchObject({ merged: true });
    expect(await canaries(canaryDir)).toEqual([]);
    const squashed = await mcp.ok("codex_merge", { task_id: tasks.squash?.task_id, strategy: "squash" });
    expect(squashed).toMatchObject({ merged: true });
    expect(await canaries(canaryDir)).toEqual([]);
    const rebased = await mcp.ok("codex_merge", { task_id: tasks.rebase?.task_id, strategy: "rebase" });
    expect(rebased).toMatchObject({ merged: true });
    for (const f of ["feature-merge.txt", "feature-squash.txt", "feature-rebase.txt"])
      expect(gitIn(sb.repo, ...DISARMED, "ls-files", f)).toBe(f);
    expect(await canaries(canaryDir)).toEqual([]);
  });

  it("codex_cleanup, forced on a dirty worktree (its work is committed under a ref) and on merged ones", async () => {
    const forced = await mcp.ok("codex_cleanup", { task_id: tasks.forced?.task_id, force: true });
    const cleaned = forced.cleaned as { saved_ref?: string; worktree_removed: boolean }[];
    expect(cleaned[0]?.worktree_removed).toBe(true);
    expect(cleaned[0]?.saved_ref).toMatch(/^refs\/codexmcp\/kept\//);
    // The merged worktree holds the armed nested repository, whose commits are work: forced, kept.
    const merged = await mcp.ok("codex_cleanup", { task_id: tasks.merge?.task_id, force: true });
    expect((merged.cleaned as unknown[]).length).toBe(1);
    expect(await canaries(canaryDir)).toEqual([]);
  });

  it("and the repository really was armed: plain git in the agent's worktree runs its programs", async () => {
    // Another mtime, same size: git must run the clean filter to know whether shared.txt changed.
    sh("sh", ["-c", "touch -d 2001-01-01 shared.txt && git status; true"], String(tasks.arm?.worktree_dir));
    expect(await canaries(canaryDir)).toEqual(expect.arrayContaining(["fsmonitor", "filter-process"]));
  });
});

/** sha256 of a file, or "absent". */
async function fingerprint(file: string): Promise<string> {
  const data = await fsp.readFile(file).catch(() => undefined);
  return data ? createHash("sha256").update(data).digest("hex") : "absent";
}

describe("a workspace-write agent can commit on its branch and write nothing else of the repository", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  let canaryDir = "";

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n" }, { parent: PARENT });
    canaryDir = path.join(sb.root, "canaries");
    await fsp.mkdir(canaryDir);
    // What dispatch itself adds there, so that the file is compared with what it will hold.
    await fsp.appendFile(path.join(sb.repo, ".git", "info", "exclude"), ".codex-tasks/\n");
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  it("commits; config, hooks, info/, other refs and its worktree's admin files stay as they were", async () => {
    const common = path.join(sb.repo, ".git");
    const admin = path.join(common, "worktrees", "project-agent-implement-ww");
    const attempts: Record<string, string> = {
      config: `printf '[core]\\n\\tfsmonitor = touch ${canaryDir}/config-fsmonitor\\n' >> ${common}/config`,
      hook: `printf '#!/bin/sh\\ntouch ${canaryDir}/hook\\n' > ${common}/hooks/post-commit && chmod +x ${common}/hooks/post-commit`,
      attributes: `echo '* filter=x' > ${common}/info/attributes`,
      exclude: `echo '*' >> ${common}/info/exclude`,
      main: `echo 0000000000000000000000000000000000000000 > ${common}/refs/heads/main`,
      packed: `echo x >> ${common}/packed-refs`,
      head: `echo 'ref: refs/heads/x' > ${common}/HEAD`,
      pointer: `echo 'gitdir: ${sb.root}' > .git`,
      outside: `touch ${sb.root}/outside`,
      commondir: `echo ${sb.root} > ${admin}/commondir`,
    };
    const tries = Object.entries(attempts)
      .map(([name, cmd]) => `(${cmd}) 2>/dev/null && echo "WROTE ${name}" || echo "REFUSED ${name}"`)
      .join("; ");
    sb.model.script("ww", [
      {
        sh: `echo ww > ww.txt && git add ww.txt && git commit -qm 'workspace-write commit' && echo COMMITTED; ${tries}`,
      },
      { say: "tried" },
    ]);
    const before = {
      config: await fingerprint(path.join(common, "config")),
      exclude: await fingerprint(path.join(common, "info", "exclude")),
      head: await fingerprint(path.join(common, "HEAD")),
      main: gitIn(sb.repo, "rev-parse", "main"),
    };
    const r = await mcp.ok("codex", {
      prompt: "[[script:ww]]",
      cwd: sb.repo,
      topic: "implement-ww-v1",
      sandbox: "workspace-write",
    });
    expect(r).toMatchObject({ status: "completed", commits_ahead: 1 });
    expect(gitIn(String(r.worktree_dir), "log", "-1", "--format=%s")).toBe("workspace-write commit");
    const output = JSON.stringify(sb.model.requests.filter((q) => q.script === "ww").map((q) => q.body));
    expect(output).toContain("COMMITTED");
    for (const name of Object.keys(attempts)) {
      // The commondir write lands (a commit needs that directory); it is put back after the task.
      expect(output).toContain(name === "commondir" ? "WROTE commondir" : `REFUSED ${name}`);
    }
    expect({
      config: await fingerprint(path.join(common, "config")),
      exclude: await fingerprint(path.join(common, "info", "exclude")),
      head: await fingerprint(path.join(common, "HEAD")),
      main: gitIn(sb.repo, "rev-parse", "main"),
    }).toEqual(before);
    expect(await fsp.readdir(path.join(common, "hooks"))).not.toContain("post-commit");
    expect(await fsp.readFile(path.join(admin, "commondir"), "utf8")).toBe("../..\n");
    const meta = JSON.parse(await fsp.readFile(path.join(String(r.task_dir), "meta.json"), "utf8"));
    const added = (meta.agent_args as string[]).flatMap((a, i, all) =>
      all[i - 1] === "--add-dir" ? [a] : [],
    );
    expect(added.sort()).toEqual(
      [
        admin,
        path.join(common, "objects"),
        path.join(common, "refs", "heads", "agent"),
        path.join(common, "logs", "refs", "heads", "agent"),
      ].sort(),
    );
    await mcp.ok("codex_merge", { task_id: r.task_id, strategy: "merge" });
    expect(await canaries(canaryDir)).toEqual([]);
  });
});

describe("the read-only fallback audits and restores a checkout its agent armed, running none of it", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  let canaryDir = "";

  beforeAll(async () => {
    sb = await Sandbox.create(
      { "README.md": "# demo\n", "src/app.ts": "export const a = 1;\n" },
      { parent: PARENT },
    );
    canaryDir = path.join(sb.root, "canaries");
    await fsp.mkdir(canaryDir);
    const arm = await writeArmScript(path.join(sb.root, "arm.sh"), canaryDir, { commitAttributes: true });
    sb.model.script("violate", [
      { sh: `sh ${arm} && echo violation >> README.md && echo planted > planted.inc` },
      { say: "done" },
    ]);
    mcp = await McpSession.start(
      sb.env({ CODEXMCP_READONLY_FALLBACK: "1", CODEXMCP_READONLY_FALLBACK_RESTORE: "1" }),
    );
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  it("the violation is found and undone; no canary", async () => {
    const head = gitIn(sb.repo, "rev-parse", "HEAD");
    const r = await mcp.ok("codex", {
      prompt: "[[script:violate]]",
      cwd: sb.repo,
      topic: "review-armed-v1",
      sandbox: "read-only",
    });
    const audit = r.readonly_audit as {
      verdict: string;
      workspace: string;
      unattributed?: { kind: string }[];
    };
    expect(audit.verdict).not.toBe("CLEAN");
    expect(audit.workspace).toBe("restored");
    // The arming script committed inside `sh arm.sh`, which no event names: a commit nothing
    // explains may be the user's own, so it is reported and left where it is.
    expect(audit.unattributed?.map((c) => c.kind)).toContain("git-head");
    expect(gitIn(sb.repo, ...DISARMED, "rev-parse", "HEAD^")).toBe(head);
    expect(await fsp.readFile(path.join(sb.repo, "README.md"), "utf8")).toBe("# demo\n");
    expect(await canaries(canaryDir)).toEqual([]);
  });
});
