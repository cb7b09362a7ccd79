import { execFileSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, cliProcess } from "../helpers/cli.js";
import { DEFAULT_CODEX_VERSION } from "../helpers/codex-versions.js";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, ROOT, Sandbox } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";

interface Check {
  name: string;
  status: "ok" | "warn" | "fail";
  detail: string;
  fix?: string;
}

async function doctor(env: NodeJS.ProcessEnv): Promise<{ exitCode: number; checks: Record<string, Check> }> {
  const r = await cli(["doctor", "--json"], env);
  const parsed = JSON.parse(r.stdout) as { checks: Check[] };
  return { exitCode: r.exitCode, checks: Object.fromEntries(parsed.checks.map((c) => [c.name, c])) };
}

describe("codexmcp doctor", () => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("quick", [{ say: "ok" }]);
  });
  afterAll(async () => {
    await sb?.dispose();
  });

  it("passes on a healthy setup, checking node, git, tmux, codex (a real exec --json round trip), the sandbox and the state", async () => {
    const { exitCode, checks } = await doctor(sb.env());
    expect(exitCode).toBe(0);
    for (const name of [
      "node",
      "config",
      "git",
      "tmux",
      "codex",
      "sandbox",
      "codex login",
      "model provider",
      "state",
      "tasks",
      "tmux sessions",
      "worktrees",
    ])
      expect(checks[name]?.status, name).toBe("ok");
    expect(checks["codex login"]?.detail).toContain("needs no credentials");
    expect(checks["model provider"]?.detail).toContain(`at ${sb.model.baseUrl} answers`);
    expect(checks.codex?.detail).toContain("exec --json round trip");
    expect(checks.tmux?.detail).toContain(`socket ${sb.socket}`);
    const human = await cli(["doctor"], sb.env());
    expect(human.stdout).toMatch(
      new RegExp(`✓ codex\\s+\\S+codex: codex-cli ${DEFAULT_CODEX_VERSION.replaceAll(".", "\\.")}`),
    );
  });

  // Seven doctor runs, each with a Codex round trip and every agent's lookup: minutes on a loaded machine.
  it("names each missing prerequisite with what to do, and exits 1", { timeout: 600_000 }, async () => {
    const noCodex = await doctor(sb.env({ CODEX_BIN: "/nonexistent/codex" }));
    expect(noCodex.exitCode).toBe(1);
    expect(noCodex.checks.codex).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("npm install -g @openai/codex"),
    });

    const noTmux = await doctor(sb.env({ CODEXMCP_TMUX_BIN: "/nonexistent/tmux" }));
    expect(noTmux.exitCode).toBe(1);
    expect(noTmux.checks.tmux).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("install tmux"),
    });

    // A PATH with node and tmux but no git.
    const bin = path.join(sb.root, "bin-without-git");
    await fsp.mkdir(bin, { recursive: true });
    await fsp.symlink(process.execPath, path.join(bin, "node"));
    await fsp.symlink("/usr/bin/tmux", path.join(bin, "tmux"));
    const noGit = await doctor(sb.env({ PATH: bin }));
    expect(noGit.exitCode).toBe(1);
    expect(noGit.checks.git).toMatchObject({ status: "fail", detail: "not found on PATH" });

    const unwritable = await doctor(sb.env({ CODEXMCP_HOME: path.join(sb.repo, "README.md", "state") }));
    expect(unwritable.exitCode).toBe(1);
    expect(unwritable.checks.state?.status).toBe("fail");

    const broken = await doctor(sb.env({ CODEX_BIN: path.join(ROOT, "test/fixtures/bin/codex-no-sandbox") }));
    expect(broken.checks.sandbox).toMatchObject({
      status: "warn",
      fix: expect.stringContaining("CODEXMCP_READONLY_FALLBACK=1"),
    });
    expect(broken.checks.sandbox?.detail).toContain("non-privileged user namespaces");

    const home = path.join(sb.root, "state-badconfig");
    await fsp.mkdir(home, { recursive: true });
    await fsp.writeFile(path.join(home, "config.yaml"), "max_parallel: lots\n");
    const badConfig = await doctor(sb.env({ CODEXMCP_HOME: home }));
    expect(badConfig.exitCode).toBe(1);
    expect(badConfig.checks.config?.detail).toMatch(/key max_parallel/);
  });

  it("prints each check as soon as it is known", async () => {
    const release = path.join(sb.root, "release-codex");
    const child = cliProcess(
      ["doctor"],
      sb.env({
        CODEX_BIN: path.join(ROOT, "test/fixtures/bin/codex-gated"),
        CODEXMCP_TEST_RELEASE: release,
        CODEXMCP_TEST_REAL_CODEX: sb.codexBin,
      }),
    );
    let seen = "";
    child.stdout?.on("data", (d: Buffer) => {
      seen += d.toString("utf8");
    });
    // Codex is held back: the checks before it are on screen while doctor still waits for it.
    await until("the first checks", async () => /✓ tmux /.test(seen));
    expect(child.exitCode).toBeNull();
    expect(seen).not.toContain("codex ");
    await fsp.writeFile(release, "");
    const done = await child;
    expect(done.exitCode).toBe(0);
    expect(String(done.stdout)).toMatch(/✓ codex\s+\S+codex-gated: codex-cli/);
  });

  it("checks Codex's credentials and says how to get them; an unreachable provider is a warning", async () => {
    // A provider whose key variable is unset: a failure that names the variable.
    const keyHome = path.join(sb.root, "codex-home-key");
    await sb.model.writeCodexHome(keyHome, { envKey: "CODEXMCP_DOCTOR_KEY" });
    const noKey = await doctor(sb.env({ CODEX_HOME: keyHome }));
    expect(noKey.exitCode).toBe(1);
    expect(noKey.checks["codex login"]).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("reads its key from CODEXMCP_DOCTOR_KEY"),
    });
    const withKey = await doctor(sb.env({ CODEX_HOME: keyHome, CODEXMCP_DOCTOR_KEY: "sk-test" }));
    expect(withKey.checks["codex login"]?.status).toBe("ok");

    // OpenAI's own provider without a login: the advice (codex login --with-api-key) works.
    const openaiHome = path.join(sb.root, "codex-home-openai");
    await fsp.mkdir(openaiHome, { recursive: true });
    await fsp.writeFile(path.join(openaiHome, "config.toml"), `openai_base_url = "${sb.model.baseUrl}"\n`);
    const env = sb.env({ CODEX_HOME: openaiHome, OPENAI_API_KEY: "sk-test-login" });
    const notLoggedIn = await doctor(env);
    expect(notLoggedIn.checks["codex login"]).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("Codex is not logged in"),
      fix: expect.stringContaining("printenv OPENAI_API_KEY | codex login --with-api-key"),
    });
    execFileSync("sh", ["-c", `printenv OPENAI_API_KEY | '${sb.codexBin}' login --with-api-key`], {
      env: { ...env },
      stdio: "ignore",
    });
    const loggedIn = await doctor(env);
    expect(loggedIn.checks["codex login"]?.status).toBe("ok");

    // A provider nobody answers at: a warning, not a failure.
    const downHome = path.join(sb.root, "codex-home-down");
    await fsp.mkdir(downHome, { recursive: true });
    await fsp.writeFile(
      path.join(downHome, "config.toml"),
      'model_provider = "down"\n[model_providers.down]\nname = "down"\nbase_url = "http://127.0.0.1:9/v1"\nwire_api = "responses"\n',
    );
    const down = await doctor(sb.env({ CODEX_HOME: downHome }));
    expect(down.checks["model provider"]).toMatchObject({
      status: "warn",
      detail: expect.stringContaining("cannot reach down at http://127.0.0.1:9/v1"),
    });
    expect(down.exitCode).toBe(0);
  });

  it("names the real cause when CODEX_HOME is under the temp dir, and ignores npx's node_modules/.bin", async () => {
    const tmpHome = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-doctor-tmphome-"));
    try {
      await sb.model.writeCodexHome(tmpHome);
      const r = await doctor(sb.env({ CODEX_HOME: tmpHome }));
      expect(r.checks["codex home"]).toMatchObject({
        status: "warn",
        detail: expect.stringContaining("is under the temp dir"),
      });
    } finally {
      await fsp.rm(tmpHome, { recursive: true, force: true });
    }
    // As `npx codexmcp doctor` runs it in a checkout: the dev dependency's codex does not count.
    const npx = await doctor(
      sb.env({
        CODEX_BIN: "",
        PATH: `${path.join(ROOT, "node_modules/.bin")}${path.delimiter}/usr/bin:/bin`,
      }),
    );
    expect(npx.checks.codex).toMatchObject({ status: "fail", detail: '"codex" not found' });
  });

  it("reports stale state: lost runners, tmux sessions and worktrees without tasks", async () => {
    const mcp = await McpSession.start(sb.env());
    const d = await mcp.ok("codex_dispatch", {
      prompt: "[[script:quick]]",
      cwd: sb.repo,
      topic: "implement-known-v1",
      sandbox: "full-access",
    });
    await untilEnded(mcp, String(d.task_id));
    await mcp.close();
    // A task whose runner vanished without a result.
    const lost = sb.taskDir("codex-review-lost-v1");
    await fsp.mkdir(lost, { recursive: true });
    const meta = JSON.parse(
      await fsp.readFile(path.join(sb.taskDir("codex-implement-known-v1"), "meta.json"), "utf8"),
    );
    await fsp.writeFile(
      path.join(lost, "meta.json"),
      JSON.stringify({
        ...meta,
        task_id: "codex-review-lost-v1",
        topic: "review-lost-v1",
        git: null,
        host: "process",
        tmux_session: null,
        sandbox: "read-only",
        status: "running",
        created_at: new Date(Date.now() - 3600_000).toISOString(),
      }),
    );
    await fsp.writeFile(
      path.join(lost, "runner.json"),
      JSON.stringify({ pid: 999_999, start: "0", host: "process", launched_at: new Date().toISOString() }),
    );
    // A tmux session and an agent worktree no task knows.
    execFileSync("tmux", ["-L", sb.socket, "new-session", "-d", "-s", "codex-orphan-x-v1", "sleep", "600"]);
    gitIn(sb.repo, "worktree", "add", "-q", "-b", "agent/stray", path.join(sb.root, "stray-worktree"));

    const { checks } = await doctor(sb.env());
    expect(checks.tasks).toMatchObject({
      status: "warn",
      detail: expect.stringContaining("codex-review-lost-v1"),
    });
    expect(checks["tmux sessions"]).toMatchObject({
      status: "warn",
      detail: expect.stringContaining("codex-orphan-x-v1"),
    });
    // The fix it prints works as written.
    execFileSync("sh", ["-c", String(checks["tmux sessions"]?.fix)]);
    expect(sb.tmux("has-session", "-t", "=codex-orphan-x-v1")).toBe("");
    expect((await doctor(sb.env())).checks["tmux sessions"]?.status).toBe("ok");
    expect(checks.worktrees).toMatchObject({
      status: "warn",
      detail: expect.stringContaining("stray-worktree"),
    });
  });

  it("--e2e runs the whole product for real against a scripted model and passes", async () => {
    const r = await cli(["doctor", "--e2e"], sb.env({ CODEXMCP_HOME: path.join(sb.root, "state-e2e") }));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    for (const step of [
      "read-only review",
      "full-access task in a worktree + tmux",
      "wait for it (codex_wait)",
      "review the patch (codex_diff)",
      "merge into main (codex_merge)",
      "clean up (codex_cleanup)",
    ]) {
      expect(r.stdout).toContain(`✓ ${step}`);
    }
    expect(r.stdout).toContain("end-to-end run passed");
  });
});
