import { promises as fsp } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox } from "../helpers/sandbox.js";
import { untilEnded } from "../helpers/wait.js";

describe("per-repository setup: .codexmcp.yaml, copied files, setup commands, ports, workspace-write", () => {
  let sb: Sandbox;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("read-setup", [
      { sh: 'cat .env deps/installed.txt > codex-saw.txt; echo "$REPO_FLAG" >> codex-saw.txt' },
      { say: "read them" },
    ]);
    sb.model.script("port", [{ sh: 'echo "$APP_PORT" > port.txt; sleep 2' }, { say: "port noted" }]);
    sb.model.script("commit", [
      {
        sh: "echo ww > ww.txt && git add ww.txt && git commit -qm 'workspace-write commit' && echo COMMITTED",
      },
      { say: "committed in the sandbox" },
    ]);
    sb.model.script("hang", [{ hang: true }]);
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });
  /** A person read the repository's config and trusted it (setup, env, ports, root need that). */
  const trusted = async (repo: string) => {
    const r = await cli(["trust", repo], sb.env());
    expect(r.exitCode, r.stderr).toBe(0);
    return repo;
  };

  it("copies .env into the new worktree and runs the install step before Codex, which reads both", async () => {
    const repo = await sb.newRepo("with-setup", {
      ".gitignore": ".env*\ndeps/\n",
      ".codexmcp.yaml": [
        "worktree:",
        '  copy: [".env*"]',
        "  setup:",
        "    - echo installing from $(cat .env)",
        "    - mkdir -p deps && echo installed > deps/installed.txt",
        "env:",
        "  REPO_FLAG: from-repo-config",
        "",
      ].join("\n"),
    });
    await trusted(repo);
    await fsp.writeFile(path.join(repo, ".env"), "SECRET_SETTING=42\n");
    await fsp.writeFile(path.join(repo, ".env.local"), "LOCAL=1\n");
    const r = await mcp.ok("codex", {
      prompt: "[[script:read-setup]]",
      cwd: repo,
      topic: "implement-setup-v1",
      sandbox: "full-access",
    });
    expect(r.status).toBe("completed");
    const wt = String(r.worktree_dir);
    expect(await fsp.readFile(path.join(wt, ".env"), "utf8")).toBe("SECRET_SETTING=42\n");
    expect(await fsp.readFile(path.join(wt, ".env.local"), "utf8")).toBe("LOCAL=1\n");
    expect(await fsp.readFile(path.join(wt, "codex-saw.txt"), "utf8")).toBe(
      "SECRET_SETTING=42\ninstalled\nfrom-repo-config\n",
    );
    const log = await fsp.readFile(String(r.log_file), "utf8");
    expect(log).toContain("setup: $ echo installing from $(cat .env)");
    expect(log).toContain("installing from SECRET_SETTING=42");
    expect(log.indexOf("setup: 2 command(s) done")).toBeLessThan(log.indexOf("exec --json"));
  });

  it("a failing setup command fails the task with its output, and Codex never runs", async () => {
    const repo = await sb.newRepo("bad-setup", {
      ".codexmcp.yaml": "worktree:\n  setup:\n    - echo about to fail; echo boom >&2; exit 3\n",
    });
    await trusted(repo);
    const r = await mcp.ok("codex", {
      prompt: "[[script:read-setup]]",
      cwd: repo,
      topic: "implement-badsetup-v1",
      sandbox: "full-access",
    });
    expect(r.status).toBe("failed");
    expect(String(r.error)).toMatch(
      /setup command `echo about to fail; echo boom >&2; exit 3` failed \(exit 3\)/,
    );
    expect(String(r.error)).toContain("boom");
    expect(r.session_id).toBeNull();
  });

  it("gives concurrent tasks distinct ports from the range, as the configured variable", async () => {
    const repo = await sb.newRepo("with-ports", {
      ".codexmcp.yaml": "ports:\n  from: 46100\n  to: 46120\n  env: APP_PORT\n",
    });
    await trusted(repo);
    const ds = await Promise.all(
      [1, 2, 3].map((i) =>
        mcp.ok("codex_dispatch", {
          prompt: "[[script:port]]",
          cwd: repo,
          topic: `implement-port${i}-v1`,
          sandbox: "full-access",
        }),
      ),
    );
    const ports: number[] = [];
    for (const d of ds) {
      const s = await untilEnded(mcp, String(d.task_id));
      expect(s.status).toBe("completed");
      const written = Number(
        (await fsp.readFile(path.join(String(s.worktree_dir), "port.txt"), "utf8")).trim(),
      );
      expect(s.port).toBe(written);
      ports.push(written);
    }
    expect(new Set(ports).size).toBe(3);
    for (const p of ports) expect(p >= 46100 && p <= 46120).toBe(true);
  });

  it("a task that cannot start (no free port) is undone: no worktree, no branch, no task directory", async () => {
    // The range's one port is in use by something else on the machine (one the kernel picked,
    // so no other test can hold it).
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const taken = (squatter.address() as net.AddressInfo).port;
    const repo = await sb.newRepo("ports-taken", {
      ".codexmcp.yaml": `ports:\n  from: ${taken}\n  to: ${taken}\n  env: APP_PORT\n`,
    });
    await trusted(repo);
    try {
      const out = await mcp.call("codex_dispatch", {
        prompt: "[[script:port]]",
        cwd: repo,
        topic: "implement-noport-v1",
        sandbox: "full-access",
      });
      expect(out.isError).toBe(true);
      expect(out.text).toMatch(new RegExp(`no free port in ${taken}-${taken}`));
      const worktree = path.join(sb.root, "ports-taken-agent-implement-noport");
      expect(await fsp.stat(worktree).catch(() => null)).toBeNull();
      expect(gitIn(repo, "branch", "--list", "agent/implement-noport")).toBe("");
      expect(gitIn(repo, "worktree", "list", "--porcelain")).not.toContain("noport");
      expect(await fsp.stat(sb.taskDir("implement-noport-v1")).catch(() => null)).toBeNull();
      // Nor a .codex-tasks link pointing at nothing.
      expect(
        await fsp.lstat(path.join(repo, ".codex-tasks", "implement-noport-v1")).catch(() => null),
      ).toBeNull();
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it("worktree.root, model and timeout come from the repository's config", async () => {
    const repo = await sb.newRepo("with-root", {
      ".codexmcp.yaml": "worktree:\n  root: ../trees\ntimeout: 2s\nmodel: gpt-5-codex\n",
    });
    await trusted(repo);
    const r = await mcp.ok("codex", {
      prompt: "[[script:hang]]",
      cwd: repo,
      topic: "implement-rooted-v1",
      sandbox: "full-access",
    });
    expect(r.worktree_dir).toBe(path.join(sb.root, "trees", "with-root-agent-implement-rooted"));
    expect(r.status).toBe("timed_out");
    const meta = JSON.parse(await fsp.readFile(path.join(String(r.task_dir), "meta.json"), "utf8"));
    expect(meta.agent_args).toEqual(expect.arrayContaining(["-m", "gpt-5-codex"]));
  });

  it("reports bad YAML and bad keys clearly and makes nothing", async () => {
    const broken = await sb.newRepo("bad-yaml", { ".codexmcp.yaml": "worktree:\n  copy: [unclosed\n" });
    const a = await mcp.call("codex_dispatch", {
      prompt: "x",
      cwd: broken,
      topic: "implement-yaml-v1",
      sandbox: "full-access",
    });
    expect(a.isError).toBe(true);
    expect(a.text).toMatch(/\.codexmcp\.yaml is not valid YAML/);
    const badKey = await sb.newRepo("bad-key", {
      ".codexmcp.yaml": "worktree:\n  copy: .env\nports:\n  from: 10\n  to: 5\nmystery: true\n",
    });
    const b = await mcp.call("codex_dispatch", {
      prompt: "x",
      cwd: badKey,
      topic: "implement-yaml-v1",
      sandbox: "read-only",
    });
    expect(b.isError).toBe(true);
    expect(b.text).toMatch(/\.codexmcp\.yaml is invalid: /);
    expect(b.text).toMatch(/key worktree\.copy/);
    expect(b.text).toMatch(/key ports\.from/);
    expect(b.text).toMatch(/unknown key "mystery"/);
    await expect(fsp.stat(sb.taskDir("codex-implement-yaml-v1"))).rejects.toThrow();
    expect(gitIn(broken, "worktree", "list").split("\n")).toHaveLength(1);
  });

  it("topic_types in the repository config decides which topics are allowed", async () => {
    const repo = await sb.newRepo("with-types", { ".codexmcp.yaml": "topic_types: [spike]\n" });
    const refused = await mcp.call("codex_dispatch", {
      prompt: "x",
      cwd: repo,
      topic: "implement-x-v1",
      sandbox: "read-only",
    });
    expect(refused.text).toMatch(/type "implement" is not allowed here; use one of spike/);
    const ok = await mcp.ok("codex", {
      prompt: "[[script:read-setup]]",
      cwd: repo,
      topic: "spike-x-v1",
      sandbox: "read-only",
    });
    expect(ok.task_id).toBe("codex-spike-x-v1");
  });

  it("workspace-write runs in Codex's own sandbox in the worktree, and Codex can still commit", async () => {
    const r = await mcp.ok("codex", {
      prompt: "[[script:commit]]",
      cwd: sb.repo,
      topic: "implement-sandboxed-v1",
      sandbox: "workspace-write",
    });
    expect(r).toMatchObject({ status: "completed", sandbox: "workspace-write", commits_ahead: 1 });
    expect(gitIn(String(r.worktree_dir), "log", "-1", "--format=%s")).toBe("workspace-write commit");
    const meta = JSON.parse(await fsp.readFile(path.join(String(r.task_dir), "meta.json"), "utf8"));
    expect(meta.agent_args).toEqual(expect.arrayContaining(["-s", "workspace-write", "--add-dir"]));
    const request = sb.model.requests.find((q) => q.script === "commit");
    expect(JSON.stringify(request?.body)).toContain("`sandbox_mode` is `workspace-write`");
  });
});
