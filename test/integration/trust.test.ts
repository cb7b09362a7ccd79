import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";

/**
 * A repository's `.codexmcp.yaml` runs code only after a person trusted its exact content, and
 * never loads code into the launcher. The attacks are the issue's: NODE_OPTIONS requiring a
 * script from the repository, setup commands, LD_PRELOAD/PATH/CODEX_HOME; each would leave a
 * canary file.
 */
describe("repository trust", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  let canaryDir = "";

  /** A repository whose config sets a variable and a setup command; `env` adds variables. */
  const hostileRepo = async (name: string, env: Record<string, string> = {}) =>
    sb.newRepo(name, {
      ".hidden/x.cjs": `require("node:fs").writeFileSync(${JSON.stringify(path.join(canaryDir, `${name}-node-options`))}, "ran");\n`,
      ".codexmcp.yaml": [
        "env:",
        "  REPO_FLAG: from-repo",
        ...Object.entries(env).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
        "worktree:",
        "  setup:",
        `    - touch ${path.join(canaryDir, `${name}-setup`)}`,
        "",
      ].join("\n"),
    });
  const canaries = async () => (await fsp.readdir(canaryDir)).sort();
  let seen = 0;
  const run = (cwd: string, topic: string, sandbox: string, extra: Record<string, unknown> = {}) => {
    seen = sb.model.requests.length;
    return mcp.call("codex", { prompt: "[[script:print]]", cwd, topic, sandbox, ...extra });
  };
  /** What the model was sent since the last run (the agent's command output among it). */
  const sentSince = () => JSON.stringify(sb.model.requests.slice(seen).map((q) => q.body));
  /** Runs the command a message tells the person to run, as they would (the built CLI). */
  const runAdvice = async (message: string) => {
    const command = /`(codexmcp trust [^`]+)`/.exec(message)?.[1];
    expect(command, message).toBeDefined();
    const args = (command as string).split(" ").slice(1);
    const r = await cli(args, sb.env());
    expect(r.exitCode, r.stderr).toBe(0);
    return r;
  };

  beforeAll(async () => {
    sb = await Sandbox.create();
    canaryDir = path.join(sb.root, "canaries");
    await fsp.mkdir(canaryDir);
    sb.model.script("print", [{ sh: 'echo "flag=[$REPO_FLAG]"' }, { say: "printed" }]);
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  it("read-only tasks never use a repository's env or setup, even trusted", async () => {
    const repo = await hostileRepo("readonly");
    // The issue's attack: the launcher requires a script from the repository.
    const file = path.join(repo, ".codexmcp.yaml");
    const text = await fsp.readFile(file, "utf8");
    await fsp.writeFile(
      file,
      text.replace("env:\n", `env:\n  NODE_OPTIONS: "--require ${path.join(repo, ".hidden/x.cjs")}"\n`),
    );
    await cli(["trust", repo], sb.env());
    const r = await run(repo, "review-ro-v1", "read-only");
    expect(r.isError, r.text).toBe(false);
    expect(r.data.status).toBe("completed");
    console.log(
      "OUT",
      [...sentSince().matchAll(/function_call_output.{0,300}/g)].map((m) => m[0]),
    );
    const printed = [...sentSince().matchAll(/flag=\[[^\]$]*\]/g)].map((m) => m[0]);
    expect(printed).toContain("flag=[]");
    expect(printed).not.toContain("flag=[from-repo]");
    // The same in the read-only fallback mode (Codex runs unsandboxed there).
    const fallback = await McpSession.start(sb.env({ CODEXMCP_READONLY_FALLBACK: "1" }));
    try {
      seen = sb.model.requests.length;
      const f = await fallback.call("codex", {
        prompt: "[[script:print]]",
        cwd: repo,
        topic: "review-ro-v2",
        sandbox: "read-only",
      });
      expect(f.isError, f.text).toBe(false);
      expect([...sentSince().matchAll(/flag=\[[^\]$]*\]/g)].map((m) => m[0])).toContain("flag=[]");
    } finally {
      await fallback.close();
    }
    expect(await canaries()).toEqual([]);
  });

  it("a write task in an untrusted repository is refused with the command that trusts it, which works", async () => {
    const repo = await hostileRepo("untrusted");
    const refused = await run(repo, "implement-untrusted-v1", "full-access");
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain("is not trusted");
    expect(refused.text).toMatch(/would use its env, worktree\.setup/);
    await expect(fsp.stat(sb.taskDir("codex-implement-untrusted-v1"))).rejects.toThrow();
    await expect(fsp.stat(path.join(sb.root, "untrusted-agent-implement-untrusted"))).rejects.toThrow();
    expect(await canaries()).toEqual([]);

    const trusted = await runAdvice(refused.text);
    expect(trusted.stdout).toContain("sets environment variables: REPO_FLAG");
    expect(trusted.stdout).toContain(`$ touch ${path.join(canaryDir, "untrusted-setup")}`);
    const ok = await run(repo, "implement-untrusted-v1", "full-access");
    expect(ok.isError, ok.text).toBe(false);
    expect(ok.data.status).toBe("completed");
    expect(sentSince()).toContain("flag=[from-repo]");
    expect(await canaries()).toEqual(["untrusted-setup"]);
  });

  it("a changed file needs trusting again; --list shows it; --revoke forgets it", async () => {
    const repo = await hostileRepo("changing");
    await runAdvice((await run(repo, "implement-changing-v1", "full-access")).text);
    const listed = await cli(["trust", "--list"], sb.env());
    expect(listed.stdout).toMatch(new RegExp(`${path.join(repo, ".codexmcp.yaml")}\\s+trusted`));
    await fsp.appendFile(
      path.join(repo, ".codexmcp.yaml"),
      `    - touch ${path.join(canaryDir, "sneaked-in")}\n`,
    );
    const refused = await run(repo, "implement-changing-v2", "full-access");
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain("has changed since it was trusted");
    expect((await cli(["trust", "--list"], sb.env())).stdout).toContain("changed since trusted");
    expect(await canaries()).toEqual(["untrusted-setup"]);
    await runAdvice(refused.text);
    expect((await run(repo, "implement-changing-v2", "full-access")).isError).toBe(false);
    expect(await canaries()).toEqual(["changing-setup", "sneaked-in", "untrusted-setup"]);

    const revoked = await cli(["trust", "--revoke", repo], sb.env());
    expect(revoked.stdout).toContain("is no longer trusted");
    expect((await run(repo, "implement-changing-v3", "full-access")).text).toContain("is not trusted");
  });

  it("a .codexmcp.yaml that links to a shared file: the advice names the repository, and works", async () => {
    const shared = path.join(sb.root, "shared-config.yaml");
    await fsp.writeFile(shared, `worktree:\n  setup:\n    - touch ${path.join(canaryDir, "shared-setup")}\n`);
    const repo = await sb.newRepo("linked-config", { "README.md": "x\n" });
    await fsp.symlink(shared, path.join(repo, ".codexmcp.yaml"));
    const refused = await run(repo, "implement-linked-v1", "full-access");
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain(`codexmcp trust ${repo}`);
    await runAdvice(refused.text);
    expect((await run(repo, "implement-linked-v1", "full-access")).isError).toBe(false);
    expect(await canaries()).toContain("shared-setup");
  });

  it("variables that load code are refused even in a trusted file, unless config.yaml allows them by name", async () => {
    const attacks = {
      NODE_OPTIONS: '"--require ./.hidden/x.cjs"',
      ld_preload: "/tmp/evil.so",
      PATH: "/tmp/evil-bin",
      CODEX_HOME: "/tmp/evil-codex",
      GIT_CONFIG_PARAMETERS: "\"'core.fsmonitor'='touch /tmp/x'\"",
      BASH_ENV: "./.hidden/env.sh",
    };
    const repo = await sb.newRepo("launcher", {
      ".hidden/x.cjs": `require("node:fs").writeFileSync(${JSON.stringify(path.join(canaryDir, "launcher-node-options"))}, "ran");\n`,
      ".codexmcp.yaml": `env:\n${Object.entries(attacks)
        .map(([k, v]) => `  ${k}: ${v}`)
        .join("\n")}\nports:\n  from: 47100\n  to: 47110\n  env: PYTHONSTARTUP\n`,
    });
    await cli(["trust", repo], sb.env());
    const refused = await run(repo, "implement-launcher-v1", "full-access");
    expect(refused.isError).toBe(true);
    for (const name of [...Object.keys(attacks), "PYTHONSTARTUP"]) expect(refused.text).toContain(name);
    expect(refused.text).toContain("allow_repo_env");
    expect(await canaries()).not.toContain("launcher-node-options");

    // The user allows NODE_OPTIONS by name; the repository drops the rest.
    await fsp.writeFile(
      path.join(repo, ".codexmcp.yaml"),
      `env:\n  NODE_OPTIONS: "--require ${path.join(repo, ".hidden/x.cjs")}"\n`,
    );
    await cli(["trust", repo], sb.env());
    await fsp.writeFile(path.join(sb.home, "config.yaml"), "allow_repo_env: [NODE_OPTIONS]\n");
    const other = await McpSession.start(sb.env());
    try {
      const ok = await other.call("codex", {
        prompt: "[[script:print]]",
        cwd: repo,
        topic: "implement-launcher-v2",
        sandbox: "full-access",
      });
      expect(ok.isError, ok.text).toBe(false);
      expect(await canaries()).toContain("launcher-node-options");
    } finally {
      await other.close();
      await fsp.rm(path.join(sb.home, "config.yaml"));
    }
  });

  it("harmless keys apply untrusted; a repository's profile needs trust unless the request names one", async () => {
    const repo = await sb.newRepo("harmless", {
      ".codexmcp.yaml": "model: gpt-5-codex\ntopic_types: [spike]\n",
    });
    const ok = await run(repo, "spike-harmless-v1", "full-access");
    expect(ok.isError, ok.text).toBe(false);
    const meta = JSON.parse(await fsp.readFile(path.join(String(ok.data.task_dir), "meta.json"), "utf8"));
    expect(meta.agent_args).toEqual(expect.arrayContaining(["-m", "gpt-5-codex"]));

    const withProfile = await sb.newRepo("with-profile", { ".codexmcp.yaml": "profile: repo-chosen\n" });
    const refused = await run(withProfile, "review-profile-v1", "read-only");
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain("would use its profile");
    const named = await mcp.call("codex_dispatch", {
      prompt: "[[script:print]]",
      cwd: withProfile,
      topic: "review-profile-v2",
      sandbox: "read-only",
      profile: "mine",
    });
    expect(named.isError, named.text).toBe(false);
  });
});
