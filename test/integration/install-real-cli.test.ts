import { spawnSync } from "node:child_process";
import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type InstallOptions, installClient, uninstallClient } from "../../src/cli/install/index.js";
import { agentBinPath } from "../helpers/agents.js";
import { testDir } from "../helpers/paths.js";
import { CODEX_BIN, SERVER_BIN } from "../helpers/sandbox.js";

/**
 * The configs written by src/cli/install, read back by the real client CLIs (pinned
 * devDependencies, run offline against temporary homes): `codex mcp get/list --json` and
 * `claude mcp get/list`. Claude Code's `mcp get` also starts the server and reports whether it
 * connected, so it proves the registered command really starts codexmcp (the built dist/).
 */

const CLAUDE_BIN = agentBinPath("claude");
const BIN_DIR = path.dirname(CLAUDE_BIN);

/** Keep the Claude CLI from phoning home; nothing here needs the network or a login. */
const QUIET_CLAUDE = {
  DISABLE_TELEMETRY: "1",
  DISABLE_AUTOUPDATER: "1",
  DISABLE_ERROR_REPORTING: "1",
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
};

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(bin: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Run {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete merged.CLAUDE_CONFIG_DIR;
  const r = spawnSync(bin, [...args], { cwd, env: merged, encoding: "utf8", timeout: 90_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let root: string;
let home: string;
let cwd: string;

beforeEach(async () => {
  root = await testDir("install-cli");
  home = path.join(root, "home");
  cwd = path.join(root, "project");
  await fsp.mkdir(home);
  await fsp.mkdir(cwd);
});

afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

function options(client: InstallOptions["client"], extra: Partial<InstallOptions> = {}): InstallOptions {
  return {
    client,
    scope: "user",
    name: "codex",
    command: process.execPath,
    args: [SERVER_BIN],
    env: { CODEXMCP_TEST_MARK: "installed-by-test" },
    home,
    cwd,
    dryRun: false,
    useClientCli: false,
    ...extra,
  };
}

describe("the real Codex CLI reads what install writes", () => {
  const codex = (args: string[], dir = cwd) =>
    runCli(CODEX_BIN, args, dir, { HOME: home, CODEX_HOME: path.join(home, ".codex") });

  interface McpGet {
    name: string;
    enabled: boolean;
    transport: { type: string; command: string; args: string[]; env: Record<string, string> | null };
    startup_timeout_sec: number | null;
    tool_timeout_sec: number | null;
  }

  const get = (name: string, dir = cwd): McpGet => {
    const r = codex(["mcp", "get", name, "--json"], dir);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as McpGet;
  };
  const list = (dir = cwd): McpGet[] => {
    const r = codex(["mcp", "list", "--json"], dir);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as McpGet[];
  };

  it("user scope: codex mcp get shows our server with its timeouts, next to the user's own", async () => {
    const config = path.join(home, ".codex", "config.toml");
    await fsp.mkdir(path.dirname(config), { recursive: true });
    const original = `# mine\nmodel = "gpt-5"\n\n[mcp_servers.other]\ncommand = "other-cmd"\nargs = ["--flag"]\n\n[profiles.fast]\nmodel = "o4-mini"\n`;
    await fsp.writeFile(config, original);

    const report = await installClient(options("codex", { toolTimeoutSeconds: 5400 }));
    expect(report).toMatchObject({ method: "file", file: config, changed: true });

    const ours = get("codex");
    expect(ours.enabled).toBe(true);
    expect(ours.transport).toMatchObject({
      type: "stdio",
      command: process.execPath,
      args: [SERVER_BIN],
      env: { CODEXMCP_TEST_MARK: "installed-by-test" },
    });
    expect(ours.tool_timeout_sec).toBe(5400);
    expect(ours.startup_timeout_sec).toBe(30);
    expect(list().map((s) => s.name)).toEqual(["codex", "other"]);
    expect(get("other").transport).toMatchObject({ command: "other-cmd", args: ["--flag"] });

    expect((await uninstallClient(options("codex"))).changed).toBe(true);
    expect(await fsp.readFile(config, "utf8")).toBe(original);
    const gone = codex(["mcp", "get", "codex", "--json"]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain("No MCP server named 'codex'");
    expect(list().map((s) => s.name)).toEqual(["other"]);
  });

  it("project scope: Codex loads <project>/.codex/config.toml once the project is trusted (as the note says)", async () => {
    const report = await installClient(options("codex", { scope: "project" }));
    expect(report.file).toBe(path.join(cwd, ".codex", "config.toml"));
    expect(report.notes.join("\n")).toContain("trusts the project");

    // Not trusted yet: Codex ignores the project's config.
    expect(codex(["mcp", "get", "codex", "--json"]).code).not.toBe(0);

    await fsp.mkdir(path.join(home, ".codex"), { recursive: true });
    await fsp.writeFile(
      path.join(home, ".codex", "config.toml"),
      `[projects.${JSON.stringify(cwd)}]\ntrust_level = "trusted"\n`,
    );
    const ours = get("codex");
    expect(ours.transport).toMatchObject({ command: process.execPath, args: [SERVER_BIN] });
    expect(ours.tool_timeout_sec).toBe(3600);
  });
});

describe("the real Claude Code CLI reads and writes what install handles", () => {
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    expect(existsSync(CLAUDE_BIN), `${CLAUDE_BIN} missing: run npm ci`).toBe(true);
    expect(existsSync(SERVER_BIN), `${SERVER_BIN} missing: run npm run build`).toBe(true);
    // installClient runs `claude` with this process's environment (plus HOME).
    for (const [k, v] of Object.entries(QUIET_CLAUDE)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const claude = (args: string[], dir = cwd) =>
    runCli(CLAUDE_BIN, args, dir, { HOME: home, ...QUIET_CLAUDE });

  it("file method, user scope: `claude mcp get` finds the entry in ~/.claude.json and connects to codexmcp", async () => {
    const config = path.join(home, ".claude.json");
    const original = `{\n  "numStartups": 3,\n  "mcpServers": {\n    "other": {\n      "type": "stdio",\n      "command": "other-cmd",\n      "args": [],\n      "env": {}\n    }\n  },\n  "projects": {}\n}\n`;
    await fsp.writeFile(config, original);

    const report = await installClient(options("claude-code"));
    expect(report).toMatchObject({ method: "file", file: config, changed: true });

    const r = claude(["mcp", "get", "codex"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Scope: User config");
    expect(r.stdout).toContain("Status: ✔ Connected");
    expect(r.stdout).toContain(`Command: ${process.execPath}`);
    expect(r.stdout).toContain(`Args: ${SERVER_BIN}`);
    expect(r.stdout).toContain("CODEXMCP_TEST_MARK=installed-by-test");

    const all = claude(["mcp", "list"]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^codex: .*codexmcp\.js - ✔ Connected$/m);
    expect(all.stdout).toMatch(/^other: other-cmd/m);

    // Claude rewrites ~/.claude.json as it runs (it adds its own keys); uninstall removes only ours.
    expect((await uninstallClient(options("claude-code"))).changed).toBe(true);
    const gone = claude(["mcp", "get", "codex"]);
    expect(gone.code).not.toBe(0);
    expect(`${gone.stdout}${gone.stderr}`).toContain('No MCP server named "codex"');
    expect(claude(["mcp", "get", "other"]).code).toBe(0);
  });

  it("file method, project scope: `claude mcp get` sees .mcp.json as the project config", async () => {
    await installClient(options("claude-code", { scope: "project" }));
    const r = claude(["mcp", "get", "codex"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Scope: Project config");
    expect(r.stdout).toContain(`Command: ${process.execPath}`);
    expect(r.stdout).toContain(`Args: ${SERVER_BIN}`);
  });

  it("cli method, user scope: runs `claude mcp add/remove`, idempotently, and the result connects", async () => {
    const opts = options("claude-code", { useClientCli: true, pathEnv: BIN_DIR });

    const dry = await installClient({ ...opts, dryRun: true });
    expect(dry).toMatchObject({ method: "cli", changed: true });
    expect(dry.commands).toEqual([
      [
        "claude",
        "mcp",
        "add",
        "codex",
        "-s",
        "user",
        "-e",
        "CODEXMCP_TEST_MARK=installed-by-test",
        "--",
        process.execPath,
        SERVER_BIN,
      ],
    ]);
    expect(dry.diff).toContain("$ claude mcp add codex -s user -e CODEXMCP_TEST_MARK=installed-by-test --");
    expect(existsSync(path.join(home, ".claude.json"))).toBe(false);

    const report = await installClient(opts);
    expect(report).toMatchObject({ method: "cli", changed: true, commands: dry.commands });
    expect(report.file).toBeUndefined();
    const written = JSON.parse(await fsp.readFile(path.join(home, ".claude.json"), "utf8")) as {
      mcpServers: Record<string, unknown>;
    };
    expect(written.mcpServers.codex).toEqual({
      type: "stdio",
      command: process.execPath,
      args: [SERVER_BIN],
      env: { CODEXMCP_TEST_MARK: "installed-by-test" },
    });
    const r = claude(["mcp", "get", "codex"]);
    expect(r.stdout).toContain("Status: ✔ Connected");

    const again = await installClient(opts);
    expect(again).toMatchObject({ method: "cli", changed: false, commands: [] });

    // A changed registration: the old entry is removed first (`claude mcp add` refuses duplicates).
    const moved = await installClient({ ...opts, args: [SERVER_BIN, "serve"], env: {} });
    expect(moved.commands).toEqual([
      ["claude", "mcp", "remove", "codex", "-s", "user"],
      ["claude", "mcp", "add", "codex", "-s", "user", "--", process.execPath, SERVER_BIN, "serve"],
    ]);
    expect(moved.notes[0]).toContain('Replaced the existing "codex" entry');
    const r2 = claude(["mcp", "get", "codex"]);
    expect(r2.stdout).toContain(`Args: ${SERVER_BIN} serve`);
    expect(r2.stdout).toContain("Status: ✔ Connected");

    const removed = await uninstallClient(opts);
    expect(removed).toMatchObject({
      method: "cli",
      changed: true,
      commands: [["claude", "mcp", "remove", "codex", "-s", "user"]],
    });
    expect(claude(["mcp", "get", "codex"]).code).not.toBe(0);
    expect(await uninstallClient(opts)).toMatchObject({ changed: false, commands: [] });
  });

  it("cli method, project scope: `claude mcp add -s project` writes <project>/.mcp.json", async () => {
    const opts = options("claude-code", {
      scope: "project",
      useClientCli: true,
      pathEnv: BIN_DIR,
      env: undefined,
    });
    const report = await installClient(opts);
    expect(report).toMatchObject({ method: "cli", changed: true });
    const written = JSON.parse(await fsp.readFile(path.join(cwd, ".mcp.json"), "utf8")) as {
      mcpServers: Record<string, unknown>;
    };
    expect(written.mcpServers.codex).toMatchObject({
      type: "stdio",
      command: process.execPath,
      args: [SERVER_BIN],
    });
    expect(claude(["mcp", "get", "codex"]).stdout).toContain("Scope: Project config");
    expect((await installClient(opts)).changed).toBe(false);
    expect((await uninstallClient(opts)).changed).toBe(true);
    expect(JSON.parse(await fsp.readFile(path.join(cwd, ".mcp.json"), "utf8"))).toEqual({ mcpServers: {} });
  });

  it("a file-method install and a cli-method install agree: the second sees the first as already done", async () => {
    await installClient(options("claude-code"));
    const viaCli = await installClient(options("claude-code", { useClientCli: true, pathEnv: BIN_DIR }));
    expect(viaCli).toMatchObject({ method: "cli", changed: false });
  });
});
