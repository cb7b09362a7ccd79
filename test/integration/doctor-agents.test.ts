import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBinEnvVar } from "../../src/core/agent-names.js";
import { installedAgent } from "../helpers/agents.js";
import { cli } from "../helpers/cli.js";
import { ROOT, Sandbox } from "../helpers/sandbox.js";

interface Check {
  name: string;
  status: "ok" | "info" | "warn" | "fail";
  detail: string;
  fix?: string;
}
interface Step {
  name: string;
  ok: boolean;
  skipped?: boolean;
  detail: string;
}

const CURSOR_FAKE = path.join(ROOT, "test/fixtures/bin/cursor-agent");
const SECRET = "sk-ant-doctor-never-printed";
/** Each doctor run starts every installed agent CLI (`--version`) and a Codex round trip: slow under load. */
const DOCTOR_MS = 900_000;

async function doctor(
  env: NodeJS.ProcessEnv,
  flags: string[] = [],
  timeoutMs = 240_000,
): Promise<{ exitCode: number; checks: Record<string, Check>; e2e: Step[]; stdout: string }> {
  const r = await cli(["doctor", "--json", ...flags], env, { timeoutMs });
  const parsed = JSON.parse(r.stdout) as { checks: Check[]; e2e?: Step[] };
  return {
    exitCode: r.exitCode,
    checks: Object.fromEntries(parsed.checks.map((c) => [c.name, c])),
    e2e: parsed.e2e ?? [],
    stdout: r.stdout,
  };
}

/**
 * doctor's agent lines on a machine where some agents are installed (the real pinned CLIs, named
 * the ways the server finds them) and others are not.
 */
describe("codexmcp doctor: the seven agents", () => {
  let sb: Sandbox;
  /** Real CLIs for claude, gemini, opencode and copilot; qwen and cursor are not on this machine. */
  let installed: NodeJS.ProcessEnv;
  let qwenBin: string;

  beforeAll(async () => {
    sb = await Sandbox.create();
    const [claude, gemini, opencode, copilot, qwen] = await Promise.all(
      (["claude", "gemini", "opencode", "copilot", "qwen"] as const).map((n) => installedAgent(n)),
    );
    qwenBin = qwen?.bin ?? "";
    installed = {
      [agentBinEnvVar("claude")]: claude?.bin,
      [agentBinEnvVar("gemini")]: gemini?.bin,
      [agentBinEnvVar("opencode")]: opencode?.bin,
      [agentBinEnvVar("copilot")]: copilot?.bin,
      // Copilot unpacks its ~235 MB payload per HOME unless pointed at an unpacked one.
      ...(copilot?.pkgCacheHome ? { COPILOT_PKG_CACHE_HOME: copilot.pkgCacheHome } : {}),
    };
  }, 600_000);
  afterAll(async () => {
    await sb?.dispose();
  });

  it(
    "lists each agent: found or not, its version and its credentials; only the default one can fail",
    async () => {
      // Gemini's login is a file in HOME; Claude Code's a variable; opencode and Copilot have none.
      // An ANTHROPIC_API_KEY would count for opencode too (it reads it for its Anthropic provider).
      await fsp.mkdir(path.join(sb.userHome, ".gemini"), { recursive: true });
      await fsp.writeFile(path.join(sb.userHome, ".gemini", "oauth_creds.json"), "{}\n");
      const r = await doctor(sb.env({ ...installed, CLAUDE_CODE_OAUTH_TOKEN: SECRET }));
      expect(r.exitCode, r.stdout).toBe(0);
      const { checks } = r;
      expect(checks["agent codex"]).toMatchObject({
        status: "ok",
        detail: expect.stringMatching(/codex-cli \d+\.\d+\.\d+; credentials: see codex login/),
      });
      expect(checks["agent claude"]).toMatchObject({
        status: "ok",
        detail: expect.stringMatching(/2\.1\.330 \(Claude Code\); credentials: CLAUDE_CODE_OAUTH_TOKEN set/),
      });
      expect(r.stdout).not.toContain(SECRET);
      expect(checks["agent gemini"]).toMatchObject({
        status: "ok",
        detail: expect.stringContaining(
          `0.61.0; credentials: ${path.join(sb.userHome, ".gemini", "oauth_creds.json")}`,
        ),
      });
      // No credentials for an agent that is not the default: a warning with what to do.
      expect(checks["agent opencode"]).toMatchObject({
        status: "warn",
        detail: expect.stringContaining("1.18.33; credentials: none found (looked for OPENCODE_AUTH_CONTENT"),
        fix: expect.stringContaining("opencode auth login"),
      });
      expect(checks["agent copilot"]).toMatchObject({
        status: "warn",
        detail: expect.stringContaining("a /login kept in the system keychain cannot be checked from here"),
      });
      // Not installed and not the default: informational.
      expect(checks["agent qwen"]).toMatchObject({
        status: "info",
        detail: expect.stringContaining('"qwen" not on PATH'),
      });
      expect(checks["agent cursor"]).toMatchObject({
        status: "info",
        detail: expect.stringContaining('"cursor-agent" not on PATH'),
      });
      const human = await cli(["doctor"], sb.env(installed));
      expect(human.stdout).toMatch(/· agent qwen\s+Qwen Code: not installed/);
      expect(human.stdout).toMatch(/! agent opencode\s+\S+opencode: 1\.18\.33/);
    },
    DOCTOR_MS,
  );

  it(
    "finds an agent named in config.yaml, as the server does",
    async () => {
      const home = path.join(sb.root, "state-config");
      await fsp.mkdir(home, { recursive: true });
      await fsp.writeFile(path.join(home, "config.yaml"), `agents:\n  qwen:\n    bin: ${qwenBin}\n`);
      const r = await doctor(sb.env({ CODEXMCP_HOME: home, OPENAI_API_KEY: "sk-doctor" }));
      expect(r.checks["agent qwen"]).toMatchObject({
        status: "ok",
        detail: `${qwenBin}: 0.24.4; credentials: OPENAI_API_KEY set`,
      });
    },
    DOCTOR_MS,
  );

  it(
    "fails for the default agent when it is missing or has no credentials, and the advice works",
    async () => {
      const missing = await doctor(sb.env({ CODEXMCP_AGENT: "qwen" }));
      expect(missing.exitCode).toBe(1);
      expect(missing.checks["agent qwen"]).toMatchObject({
        status: "fail",
        detail: expect.stringContaining("it is the default agent"),
        fix: expect.stringContaining("npm install -g @qwen-code/qwen-code, or set CODEXMCP_QWEN_BIN"),
      });
      // Following the advice: the binary is found; without a key the default agent still fails.
      const noKey = await doctor(sb.env({ CODEXMCP_AGENT: "qwen", CODEXMCP_QWEN_BIN: qwenBin }));
      expect(noKey.exitCode).toBe(1);
      expect(noKey.checks["agent qwen"]).toMatchObject({
        status: "fail",
        detail: expect.stringContaining("credentials: none found"),
        fix: expect.stringContaining("set OPENAI_API_KEY"),
      });
      const withKey = await doctor(
        sb.env({ CODEXMCP_AGENT: "qwen", CODEXMCP_QWEN_BIN: qwenBin, OPENAI_API_KEY: "sk-doctor" }),
      );
      expect(withKey.checks["agent qwen"]?.status).toBe("ok");
      expect(withKey.exitCode).toBe(0);

      // Codex is then one agent among others: missing, it is informational; without a key, a warning.
      const noCodex = await doctor(
        sb.env({
          CODEXMCP_AGENT: "qwen",
          CODEXMCP_QWEN_BIN: qwenBin,
          OPENAI_API_KEY: "k",
          CODEX_BIN: "/nowhere/codex",
        }),
      );
      expect(noCodex.exitCode).toBe(0);
      expect(noCodex.checks.codex).toBeUndefined();
      expect(noCodex.checks["agent codex"]).toMatchObject({
        status: "info",
        detail: expect.stringContaining("not installed"),
      });
      const keyHome = path.join(sb.root, "codex-home-key");
      await sb.model.writeCodexHome(keyHome, { envKey: "CODEXMCP_DOCTOR_KEY" });
      const codexNoKey = await doctor(
        sb.env({
          CODEXMCP_AGENT: "qwen",
          CODEXMCP_QWEN_BIN: qwenBin,
          OPENAI_API_KEY: "k",
          CODEX_HOME: keyHome,
        }),
      );
      expect(codexNoKey.checks["codex login"]).toMatchObject({
        status: "warn",
        detail: expect.stringContaining("(Codex is not the default agent)"),
      });
      expect(codexNoKey.exitCode).toBe(0);
      // A default agent whose login doctor cannot see (a keychain) is a warning, not a failure.
      const copilot = await doctor(sb.env({ ...installed, CODEXMCP_AGENT: "copilot" }));
      expect(copilot.checks["agent copilot"]?.status).toBe("warn");
    },
    DOCTOR_MS,
  );

  it("--e2e runs the cycle on the default agent and a round trip of every other installed one, in --json too", async () => {
    const r = await doctor(
      sb.env({
        CODEXMCP_HOME: path.join(sb.root, "state-e2e"),
        CODEXMCP_AGENT: "claude",
        [agentBinEnvVar("claude")]: installed[agentBinEnvVar("claude")],
        [agentBinEnvVar("gemini")]: installed[agentBinEnvVar("gemini")],
        [agentBinEnvVar("cursor")]: CURSOR_FAKE,
        // A real account's settings must not leak into the scratch run.
        ANTHROPIC_API_KEY: SECRET,
        ANTHROPIC_BASE_URL: "http://127.0.0.1:9",
      }),
      ["--e2e"],
      840_000,
    );
    const steps = Object.fromEntries(r.e2e.map((s) => [s.name, s]));
    expect(r.e2e.filter((s) => !s.ok)).toEqual([]);
    expect(r.exitCode).toBe(0);
    for (const name of [
      "read-only review (claude, blocking codex tool)",
      "merge into main (codex_merge)",
      "codex: full-access round trip (codex_dispatch → codex_wait)",
      "gemini: full-access round trip (codex_dispatch → codex_wait)",
    ])
      expect(steps[name]?.ok, name).toBe(true);
    expect(steps["cursor: round trip"]).toMatchObject({
      skipped: true,
      detail: expect.stringContaining("cannot run against the scripted model"),
    });
    expect(Object.keys(steps).some((n) => n.startsWith("qwen") || n.startsWith("opencode"))).toBe(false);
  }, 900_000);
});
