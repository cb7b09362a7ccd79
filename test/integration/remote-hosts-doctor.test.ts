import { execFileSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { hostEntry, SshHost, sshdAvailable } from "../helpers/sshd.js";

interface Check {
  name: string;
  status: "ok" | "info" | "warn" | "fail";
  detail: string;
  fix?: string;
}

async function doctor(env: NodeJS.ProcessEnv): Promise<{ exitCode: number; checks: Record<string, Check> }> {
  const r = await cli(["doctor", "--json"], env, { timeoutMs: 400_000 });
  const parsed = JSON.parse(r.stdout) as { checks: Check[] };
  return { exitCode: r.exitCode, checks: Object.fromEntries(parsed.checks.map((c) => [c.name, c])) };
}

/**
 * `codexmcp doctor` asks every configured host, over the real ssh, what a dispatch there needs:
 * reachable, the same codexmcp, tmux, git and the agent. A host that answers but lacks something
 * fails with what to do (and doing it works); a stopped sshd is a warning, not a failure.
 */
describe.skipIf(!sshdAvailable())("doctor checks each configured host (real sshd)", () => {
  let sb: Sandbox;
  let box: SshHost;
  let lacking = "";

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("quick", [{ say: "ok" }]);
    box = await SshHost.start({ codexConfig: (dir) => sb.model.writeCodexHome(dir) });
    // A second codexmcp on the same host account, with a home whose tmux and Codex are missing.
    const home = path.join(box.home, ".codexmcp-lacking");
    await fsp.mkdir(home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(
      path.join(home, "config.yaml"),
      "tmux_bin: /nonexistent/tmux\ncodex_bin: /nonexistent/codex\n",
    );
    lacking = path.join(box.home, "codexmcp-lacking");
    await fsp.writeFile(lacking, `#!/bin/sh\nCODEXMCP_HOME=${home} exec ${box.codexmcpBin} "$@"\n`, {
      mode: 0o755,
    });
    execFileSync("chown", ["-R", `${box.user}:${box.user}`, home, lacking]);
    await fsp.mkdir(sb.home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(
      path.join(sb.home, "config.yaml"),
      `hosts:\n${hostEntry(box, "box1")}${hostEntry(box, "lacking", { codexmcp: lacking })}${hostEntry(box, "nocodexmcp", { codexmcp: "/nonexistent/codexmcp" })}`,
    );
  }, 180_000);
  afterAll(async () => {
    await box?.destroy();
    await sb?.dispose();
  });

  it("a good host, one without tmux and the agent, one without codexmcp, then the sshd stopped", async () => {
    const first = await doctor(sb.env());
    const c = first.checks;
    expect(c["host box1"]).toMatchObject({ status: "ok" });
    expect(c["host box1"]?.detail).toMatch(
      /^reachable over ssh \(host-cmx\w+\); codexmcp \S+, the same as here/,
    );
    expect(c["host box1 tmux"]).toMatchObject({ status: "ok", detail: expect.stringMatching(/^tmux \d/) });
    expect(c["host box1 git"]).toMatchObject({ status: "ok", detail: expect.stringMatching(/^git version/) });
    expect(c["host box1 codex"]).toMatchObject({
      status: "ok",
      detail: expect.stringContaining("codex-cli"),
    });

    expect(c["host lacking"]?.status).toBe("ok");
    expect(c["host lacking tmux"]).toMatchObject({ status: "fail" });
    expect(c["host lacking tmux"]?.detail).toContain('"/nonexistent/tmux" not found on lacking');
    expect(c["host lacking tmux"]?.fix).toContain(
      `or set tmux_bin to its path in ${path.join(box.home, ".codexmcp-lacking")}/config.yaml on lacking`,
    );
    expect(c["host lacking codex"]).toMatchObject({ status: "fail" });
    expect(c["host lacking codex"]?.fix).toContain("npm install -g @openai/codex");
    expect(c["host lacking git"]?.status).toBe("ok");

    expect(c["host nocodexmcp"]).toMatchObject({ status: "fail" });
    expect(c["host nocodexmcp"]?.detail).toContain(
      'Host nocodexmcp has no codexmcp at "/nonexistent/codexmcp"',
    );
    expect(c["host nocodexmcp tmux"]).toBeUndefined();
    expect(first.exitCode).toBe(1);

    // The advice for tmux and the agent, followed on the host, makes those checks pass.
    await fsp.writeFile(
      path.join(box.home, ".codexmcp-lacking", "config.yaml"),
      `tmux_bin: ${execFileSync("which", ["tmux"], { encoding: "utf8" }).trim()}\nagents:\n  codex:\n    bin: ${box.codexBin}\n`,
    );
    const fixed = await doctor(sb.env());
    expect(fixed.checks["host lacking tmux"]?.status).toBe("ok");
    expect(fixed.checks["host lacking codex"]?.status).toBe("ok");

    // sshd stopped: each of its hosts is a warning with what to check; no tool checks are asked.
    await box.stopSshd();
    try {
      const down = await doctor(sb.env());
      for (const name of ["box1", "lacking", "nocodexmcp"]) {
        const check = down.checks[`host ${name}`];
        expect(check?.status, name).toBe("warn");
        expect(check?.detail).toContain(`host ${name} is unreachable over ssh`);
        expect(check?.fix).toContain(`ssh ${box.alias} true`);
        expect(down.checks[`host ${name} tmux`]).toBeUndefined();
      }
    } finally {
      await box.startSshd();
    }
  }, 900_000);

  it("the agent this server's tasks run (its default, claude here) is what the host is checked for and asked to run", async () => {
    const home = path.join(sb.root, "state-claude");
    await fsp.mkdir(home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(path.join(home, "config.yaml"), `agent: claude\nhosts:\n${hostEntry(box, "box1")}`);
    const env = sb.env({ CODEXMCP_HOME: home });
    const checks = (await doctor(env)).checks;
    expect(checks["host box1 claude"]).toMatchObject({ status: "fail" });
    expect(checks["host box1 claude"]?.detail).toContain('"claude" not found on box1');
    expect(checks["host box1 codex"]).toBeUndefined();
    const mcp = await McpSession.start(env);
    try {
      const r = await mcp.call("codex_dispatch", {
        prompt: "x",
        cwd: sb.repo,
        topic: "test-claude_there-v1",
        sandbox: "full-access",
        host: "box1",
      });
      expect(r.isError).toBe(true);
      expect(r.text).toContain("Host box1: The Claude Code CLI was not found");
      // Refused there before anything ran: no task here, no worktree there.
      expect(await fsp.readdir(path.join(home, "tasks")).catch(() => [])).toEqual([]);
      const worktrees = await fsp.readdir(path.join(box.home, "codexmcp-worktrees")).catch(() => []);
      expect(worktrees.filter((w) => w.includes("claude_there"))).toEqual([]);
    } finally {
      await mcp.close();
    }
  }, 600_000);
});
