import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseJsonc } from "jsonc-parser";
import { parse as parseToml } from "smol-toml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ClientName,
  type InstallOptions,
  type InstallReport,
  installClient,
  uninstallClient,
} from "../../src/cli/install/index.js";
import { UserError } from "../../src/util/errors.js";

const COMMAND = "/usr/local/bin/node";
const ARGS = ["/opt/codexmcp/dist/bin/codexmcp.js"];
const ENV = { CODEXMCP_LOG: "debug" };

let root: string;
let home: string;
let cwd: string;

beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-install-"));
  home = path.join(root, "home");
  cwd = path.join(root, "project");
  await fsp.mkdir(home);
  await fsp.mkdir(cwd);
});

afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

function options(
  client: ClientName,
  scope: "user" | "project",
  extra: Partial<InstallOptions> = {},
): InstallOptions {
  return {
    client,
    scope,
    name: "codex",
    command: COMMAND,
    args: ARGS,
    env: ENV,
    home,
    cwd,
    dryRun: false,
    platform: "linux",
    useClientCli: false,
    ...extra,
  };
}

async function write(file: string, text: string, mode = 0o644): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await fsp.writeFile(file, text, { mode });
  await fsp.chmod(file, mode);
}

async function read(file: string): Promise<string> {
  return fsp.readFile(file, "utf8");
}

/** Every file under `dir`, to prove that nothing (backup, temp file) was left behind. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

async function backups(file: string): Promise<string[]> {
  const names = await fsp.readdir(path.dirname(file));
  return names.filter((n) => n.startsWith(`${path.basename(file)}.codexmcp-backup-`)).sort();
}

/** Our entry rendered as the editor renders it: JSON with the file's indent unit, nested at `indent`. */
function jsonEntry(entry: unknown, unit: string, indent: string): string {
  return JSON.stringify(entry, null, unit).replaceAll("\n", `\n${indent}`);
}

// A JSONC file as people keep them: comments, uneven spacing, a trailing comment after the last
// server, entries on one line, a multi-line array, other keys after mcpServers.
const JSONC_ORIGINAL = `{
  // personal settings: keep this comment
  "theme":    "dark",
  "mcpServers": {
    "other": { "command": "other-server", "args": ["--x"] } // keep me
  },
  "numbers": [1,2,
     3],
  /* block
     comment */
  "unicode": "h\\u00e9llo"
}
`;

function jsoncInstalled(name: string, entry: unknown): string {
  const anchor = `"args": ["--x"] } // keep me\n`;
  return JSONC_ORIGINAL.replace(
    anchor,
    `"args": ["--x"] }, // keep me\n    "${name}": ${jsonEntry(entry, "  ", "    ")}\n`,
  );
}

// Strict JSON (what Claude Code and Claude Desktop parse), 4-space indented, odd key order.
const STRICT_ORIGINAL = `{
    "numStartups": 12,
    "mcpServers": {
        "other": {
            "command": "other-server",
            "args": []
        }
    },
    "projects": {"/tmp/x": {"allowedTools": [], "history": ["a", "b"]}},
    "tipsHistory": {}
}
`;

function strictInstalled(name: string, entry: unknown): string {
  const anchor = `            "args": []\n        }\n`;
  return STRICT_ORIGINAL.replace(
    anchor,
    `            "args": []\n        },\n        "${name}": ${jsonEntry(entry, "    ", "        ")}\n`,
  );
}

interface JsonCase {
  readonly client: ClientName;
  readonly scope: "user" | "project";
  readonly file: () => string;
  readonly style: "jsonc" | "strict";
  readonly entry: Record<string, unknown>;
}

const CLAUDE_CODE_ENTRY = { type: "stdio", command: COMMAND, args: ARGS, env: ENV };
const PLAIN_ENTRY = { command: COMMAND, args: ARGS, env: ENV };
const GEMINI_ENTRY = { command: COMMAND, args: ARGS, env: ENV, timeout: 3_600_000 };

const JSON_CASES: JsonCase[] = [
  {
    client: "claude-code",
    scope: "user",
    file: () => path.join(home, ".claude.json"),
    style: "strict",
    entry: CLAUDE_CODE_ENTRY,
  },
  {
    client: "claude-code",
    scope: "project",
    file: () => path.join(cwd, ".mcp.json"),
    style: "strict",
    entry: CLAUDE_CODE_ENTRY,
  },
  {
    client: "cursor",
    scope: "user",
    file: () => path.join(home, ".cursor", "mcp.json"),
    style: "jsonc",
    entry: PLAIN_ENTRY,
  },
  {
    client: "cursor",
    scope: "project",
    file: () => path.join(cwd, ".cursor", "mcp.json"),
    style: "jsonc",
    entry: PLAIN_ENTRY,
  },
  {
    client: "claude-desktop",
    scope: "user",
    file: () => path.join(home, ".config", "Claude", "claude_desktop_config.json"),
    style: "strict",
    entry: PLAIN_ENTRY,
  },
  {
    client: "gemini",
    scope: "user",
    file: () => path.join(home, ".gemini", "settings.json"),
    style: "jsonc",
    entry: GEMINI_ENTRY,
  },
  {
    client: "gemini",
    scope: "project",
    file: () => path.join(cwd, ".gemini", "settings.json"),
    style: "jsonc",
    entry: GEMINI_ENTRY,
  },
];

function expectFileReport(report: InstallReport, fields: Partial<InstallReport>): void {
  expect(report).toMatchObject({ method: "file", ...fields });
  expect(report.commands).toBeUndefined();
}

describe.each(JSON_CASES)("$client, $scope scope (JSON)", ({ client, scope, file, style, entry }) => {
  const original = style === "jsonc" ? JSONC_ORIGINAL : STRICT_ORIGINAL;
  const installed = (name: string) => (style === "jsonc" ? jsoncInstalled : strictInstalled)(name, entry);
  // Where our key lands: one level inside mcpServers, in the file's own indent unit.
  const key = `${style === "jsonc" ? "    " : "        "}"codex": {`;

  it("adds only our entry, keeps every other byte, backs up, is idempotent and uninstalls to the original", async () => {
    const f = file();
    await write(f, original);

    const first = await installClient(options(client, scope));
    expectFileReport(first, { client, action: "install", file: f, changed: true });
    const after = await read(f);
    // The whole file, byte for byte: the rest is untouched, only our entry and one comma are new.
    expect(after).toBe(installed("codex"));
    const parsed = parseJsonc(after) as { mcpServers: Record<string, unknown> };
    expect(parsed.mcpServers.codex).toEqual(entry);
    expect(Object.keys(parsed.mcpServers)).toEqual(["other", "codex"]);
    // Permissions of an existing file are kept.
    expect((await fsp.stat(f)).mode & 0o777).toBe(0o644);
    // The backup holds the previous content.
    expect(first.backup).toBeDefined();
    expect(await read(first.backup as string)).toBe(original);
    expect(first.diff).toContain(`+${key}`);
    expect(first.diff).toContain(`--- ${f}`);
    expect(first.notes.join("\n")).toMatch(/Restart|Quit/);

    const second = await installClient(options(client, scope));
    expectFileReport(second, { changed: false, diff: "" });
    expect(second.backup).toBeUndefined();
    expect(await read(f)).toBe(after);
    expect(await backups(f)).toHaveLength(1);

    const removed = await uninstallClient(options(client, scope));
    expectFileReport(removed, { action: "uninstall", changed: true });
    expect(await read(f)).toBe(original);
    expect(await read(removed.backup as string)).toBe(after);
    expect(removed.diff).toContain(`-${key}`);

    const again = await uninstallClient(options(client, scope));
    expectFileReport(again, { changed: false, diff: "" });
    expect(await read(f)).toBe(original);
    expect(await backups(f)).toHaveLength(2);
  });

  it("dry run reports the diff and writes nothing", async () => {
    const f = file();
    await write(f, original);
    const before = await listFiles(root);
    const report = await installClient(options(client, scope, { dryRun: true }));
    expectFileReport(report, { changed: true, file: f });
    expect(report.backup).toBeUndefined();
    expect(report.diff).toContain(`+${key}`);
    expect(report.diff).toContain(`+${" ".repeat(style === "jsonc" ? 6 : 12)}"command": "${COMMAND}",`);
    expect(await read(f)).toBe(original);
    expect(await listFiles(root)).toEqual(before);

    await installClient(options(client, scope));
    const installedText = await read(f);
    const files = await listFiles(root);
    const dryUninstall = await uninstallClient(options(client, scope, { dryRun: true }));
    expect(dryUninstall.changed).toBe(true);
    expect(dryUninstall.diff).toContain(`-${key}`);
    expect(await read(f)).toBe(installedText);
    expect(await listFiles(root)).toEqual(files);
  });

  it("refuses a file that is not valid JSON, naming the line, and leaves it untouched", async () => {
    const f = file();
    const broken = `{\n  "mcpServers": {\n    "other": { "command": "x" }\n  \n`;
    await write(f, broken);
    const err = await installClient(options(client, scope)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(f);
    expect((err as Error).message).toMatch(/not valid JSON \(line 5, column 1: /);
    expect((err as Error).message).toContain("nothing was changed");
    expect(await read(f)).toBe(broken);
    expect(await backups(f)).toEqual([]);
    await expect(uninstallClient(options(client, scope))).rejects.toBeInstanceOf(UserError);
    expect(await read(f)).toBe(broken);
  });

  it("creates a missing file (private) and does not create one to uninstall from", async () => {
    const f = file();
    const absent = await uninstallClient(options(client, scope));
    expectFileReport(absent, { changed: false, diff: "" });
    expect(await listFiles(root)).toEqual([]);

    const dry = await installClient(options(client, scope, { dryRun: true }));
    expect(dry.diff).toContain("--- /dev/null");
    expect(await listFiles(root)).toEqual([]);

    const report = await installClient(options(client, scope));
    expectFileReport(report, { changed: true });
    expect(report.backup).toBeUndefined();
    const text = await read(f);
    expect(JSON.parse(text)).toEqual({ mcpServers: { codex: entry } });
    expect(text.endsWith("}\n")).toBe(true);
    expect((await fsp.stat(f)).mode & 0o777).toBe(0o600);
    expect(await listFiles(root)).toEqual([path.relative(root, f)]);
  });

  it("replaces a different entry of the same name (the predecessor's) and says what it was", async () => {
    const f = file();
    const old = `{\n  "mcpServers": {\n    "codex": {\n      "command": "npx",\n      "args": ["-y", "codex-mcp-server"]\n    },\n    "other": { "command": "o" }\n  }\n}\n`;
    await write(f, old);
    const report = await installClient(options(client, scope, { name: "codex" }));
    expect(report.changed).toBe(true);
    expect(report.notes[0]).toBe('Replaced the existing "codex" entry, which ran: npx -y codex-mcp-server');
    const text = await read(f);
    expect(text).toBe(old.replace(/"codex": \{[^}]*\}/, `"codex": ${jsonEntry(entry, "  ", "    ")}`));
    expect((await installClient(options(client, scope))).changed).toBe(false);
  });
});

describe("JSON layouts", () => {
  const cursorFile = () => path.join(home, ".cursor", "mcp.json");

  it("inserts compactly into a minified file and removes exactly that", async () => {
    const original = `{"mcpServers":{"o":{"command":"y"}},"z":1}`;
    await write(cursorFile(), original);
    await installClient(options("cursor", "user", { env: undefined }));
    const text = await read(cursorFile());
    expect(text).toBe(
      `{"mcpServers":{"o":{"command":"y"},"codex": ${JSON.stringify({ command: COMMAND, args: ARGS })}},"z":1}`,
    );
    await uninstallClient(options("cursor", "user"));
    expect(await read(cursorFile())).toBe(original);
  });

  it("keeps tabs and CRLF line endings, and a trailing comma (JSONC)", async () => {
    const original = '{\r\n\t"mcpServers": {\r\n\t\t"o": 1,\r\n\t},\r\n\t"a": true\r\n}\r\n';
    await write(cursorFile(), original);
    await installClient(options("cursor", "user"));
    const text = await read(cursorFile());
    const entry = JSON.stringify(PLAIN_ENTRY, null, "\t").replaceAll("\n", "\r\n\t\t");
    expect(text).toBe(original.replace('"o": 1,\r\n', `"o": 1,\r\n\t\t"codex": ${entry},\r\n`));
    await uninstallClient(options("cursor", "user"));
    expect(await read(cursorFile())).toBe(original);
  });

  it("adds mcpServers to a config without one, and fills an empty one", async () => {
    const original = `{\n  "editor.fontSize": 14\n}\n`;
    await write(cursorFile(), original);
    await installClient(options("cursor", "user", { env: undefined }));
    const entry = jsonEntry({ command: COMMAND, args: ARGS }, "  ", "    ");
    expect(await read(cursorFile())).toBe(
      `{\n  "editor.fontSize": 14,\n  "mcpServers": {\n    "codex": ${entry}\n  }\n}\n`,
    );
    await uninstallClient(options("cursor", "user"));
    expect(await read(cursorFile())).toBe(`{\n  "editor.fontSize": 14,\n  "mcpServers": {}\n}\n`);
    await installClient(options("cursor", "user", { env: undefined }));
    expect(await read(cursorFile())).toBe(
      `{\n  "editor.fontSize": 14,\n  "mcpServers": {\n    "codex": ${entry}\n  }\n}\n`,
    );
  });

  it("removes an entry in the middle, or one sharing its line, and keeps the comments around it", async () => {
    const original = `{
  "mcpServers": {
    // first
    "a": { "command": "a" },
    "codex": { "command": "old" },
    // about b
    "b": { "command": "b" }
  }
}
`;
    await write(cursorFile(), original);
    expect((await uninstallClient(options("cursor", "user"))).changed).toBe(true);
    expect(await read(cursorFile())).toBe(original.replace(`    "codex": { "command": "old" },\n`, ""));

    const oneLine = `{\n  "mcpServers": { "a": 1, "codex": { "command": "old" }, "b": 2 } // servers\n}\n`;
    await write(cursorFile(), oneLine);
    await uninstallClient(options("cursor", "user"));
    const text = await read(cursorFile());
    expect(parseJsonc(text)).toEqual({ mcpServers: { a: 1, b: 2 } });
    expect(text).toContain("} // servers\n}\n");
  });

  it("treats an empty file as an empty config", async () => {
    await write(cursorFile(), "");
    const report = await installClient(options("cursor", "user"));
    expect(report.changed).toBe(true);
    expect(JSON.parse(await read(cursorFile()))).toEqual({ mcpServers: { codex: PLAIN_ENTRY } });
  });

  it("refuses a config whose mcpServers is not an object, or whose top level is not an object", async () => {
    await write(cursorFile(), `{ "mcpServers": [] }\n`);
    await expect(installClient(options("cursor", "user"))).rejects.toThrow(
      /"mcpServers" is not a JSON object/,
    );
    await write(cursorFile(), `[1, 2]\n`);
    await expect(installClient(options("cursor", "user"))).rejects.toThrow(/does not hold a JSON object/);
    expect(await read(cursorFile())).toBe(`[1, 2]\n`);
  });

  it("edits the file a symlinked config points to and keeps the link", async () => {
    const real = path.join(root, "dotfiles", "claude.json");
    await write(real, STRICT_ORIGINAL);
    await fsp.symlink(real, path.join(home, ".claude.json"));
    const report = await installClient(options("claude-code", "user"));
    expect((await fsp.lstat(path.join(home, ".claude.json"))).isSymbolicLink()).toBe(true);
    expect(await read(real)).toBe(strictInstalled("codex", CLAUDE_CODE_ENTRY));
    expect(report.backup?.startsWith(path.join(home, ".claude.json.codexmcp-backup-"))).toBe(true);
  });

  it("uses a custom server name and no env", async () => {
    await write(cursorFile(), JSONC_ORIGINAL);
    await installClient(options("cursor", "user", { name: "codexmcp", env: {} }));
    const parsed = parseJsonc(await read(cursorFile())) as { mcpServers: Record<string, unknown> };
    expect(parsed.mcpServers.codexmcp).toEqual({ command: COMMAND, args: ARGS });
    expect(parsed.mcpServers.codex).toBeUndefined();
  });
});

describe("per-client details", () => {
  it("gives Gemini its timeout in milliseconds", async () => {
    const f = path.join(home, ".gemini", "settings.json");
    const report = await installClient(options("gemini", "user", { toolTimeoutSeconds: 120 }));
    expect((JSON.parse(await read(f)) as { mcpServers: { codex: unknown } }).mcpServers.codex).toEqual({
      ...PLAIN_ENTRY,
      timeout: 120_000,
    });
    expect(report.notes.join("\n")).toContain("timeout = 120000 ms");
    // A different timeout is a change.
    expect((await installClient(options("gemini", "user", { toolTimeoutSeconds: 120 }))).changed).toBe(false);
    expect((await installClient(options("gemini", "user"))).changed).toBe(true);
  });

  it("tells Claude Code users about MCP_TOOL_TIMEOUT and long jobs", async () => {
    const report = await installClient(options("claude-code", "user"));
    const notes = report.notes.join("\n");
    expect(notes).toContain("MCP_TOOL_TIMEOUT=3600000");
    expect(notes).toContain("codex_dispatch");
  });

  it("falls back to the file when useClientCli is on but no claude is on PATH", async () => {
    const report = await installClient(options("claude-code", "user", { useClientCli: true, pathEnv: root }));
    expect(report.method).toBe("file");
    expect(JSON.parse(await read(path.join(home, ".claude.json")))).toEqual({
      mcpServers: { codex: CLAUDE_CODE_ENTRY },
    });
  });

  it.each([
    [
      "darwin",
      () => path.join(home, "Library", "Application Support", "Claude", "claude_desktop_config.json"),
      {},
    ],
    ["linux", () => path.join(home, ".config", "Claude", "claude_desktop_config.json"), {}],
    ["win32", () => path.join(home, "AppData", "Roaming", "Claude", "claude_desktop_config.json"), {}],
    [
      "win32",
      () => path.join(root, "appdata", "Claude", "claude_desktop_config.json"),
      { APPDATA: "<root>/appdata" },
    ],
  ] as const)("puts the Claude Desktop config where %s keeps it", async (platform, file, env) => {
    const withRoot = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace("<root>", root)]));
    const report = await installClient(
      options("claude-desktop", "user", { platform, env: { ...ENV, ...withRoot } }),
    );
    expect(report.file).toBe(file());
    const parsed = JSON.parse(await read(file())) as { mcpServers: { codex: { command: string } } };
    expect(parsed.mcpServers.codex.command).toBe(COMMAND);
    expect(await listFiles(root)).toEqual([path.relative(root, file())]);
  });

  it("refuses Claude Desktop project scope", async () => {
    const err = await installClient(options("claude-desktop", "project")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain("--scope user");
    await expect(uninstallClient(options("claude-desktop", "project"))).rejects.toBeInstanceOf(UserError);
    expect(await listFiles(root)).toEqual([]);
  });

  it("refuses bad names, env keys and timeouts before touching anything", async () => {
    await expect(installClient(options("cursor", "user", { name: "my server" }))).rejects.toThrow(
      /Invalid server name/,
    );
    await expect(installClient(options("cursor", "user", { env: { "A=B": "x" } }))).rejects.toThrow(
      /Invalid environment variable name/,
    );
    await expect(installClient(options("codex", "user", { toolTimeoutSeconds: 0 }))).rejects.toThrow(
      /positive number of seconds/,
    );
    await expect(installClient(options("nope" as ClientName, "user"))).rejects.toThrow(/Unknown client/);
    expect(await listFiles(root)).toEqual([]);
  });
});

// ---------------------------------------------------------------- Codex (TOML)

const TOML_ORIGINAL = `# Codex config: keep this comment
model = "gpt-5"   # trailing comment
approval_policy = "on-request"
paths = [
  "a",
  [ "nested" ],
]

[mcp_servers.other]
command = "other"
args = ["-y", "x"]

[mcp_servers.other.env]
TOKEN = "abc"

# a comment about the profile
[profiles.fast]
model = "o4-mini"
notes = """
[mcp_servers.codex]
this is a string, not a table
"""

[[tools]]
name = 'a'
`;

const CODEX_BLOCK = `[mcp_servers.codex]
command = "${COMMAND}"
args = ["${ARGS[0]}"]
env = { CODEXMCP_LOG = "debug" }
startup_timeout_sec = 30
tool_timeout_sec = 3600
`;

const CODEX_ENTRY = { ...PLAIN_ENTRY, startup_timeout_sec: 30, tool_timeout_sec: 3600 };

describe.each([
  { scope: "user" as const, file: () => path.join(home, ".codex", "config.toml") },
  { scope: "project" as const, file: () => path.join(cwd, ".codex", "config.toml") },
])("codex, $scope scope (TOML)", ({ scope, file }) => {
  it("adds our table next to the other servers, keeps every other byte, and uninstalls to the original", async () => {
    const f = file();
    await write(f, TOML_ORIGINAL, 0o600);
    const report = await installClient(options("codex", scope));
    expectFileReport(report, { client: "codex", changed: true, file: f });
    const after = await read(f);
    expect(after).toBe(TOML_ORIGINAL.replace('TOKEN = "abc"\n', `TOKEN = "abc"\n\n${CODEX_BLOCK}`));
    const parsed = parseToml(after) as { mcp_servers: Record<string, unknown>; profiles: unknown };
    expect({ ...(parsed.mcp_servers.codex as object) }).toEqual(CODEX_ENTRY);
    expect(Object.keys(parsed.mcp_servers)).toEqual(["other", "codex"]);
    expect(await read(report.backup as string)).toBe(TOML_ORIGINAL);
    expect((await fsp.stat(f)).mode & 0o777).toBe(0o600);
    expect(report.diff).toContain("+[mcp_servers.codex]");
    expect(report.diff).toContain("+tool_timeout_sec = 3600");
    expect(report.notes.join("\n")).toContain("tool_timeout_sec = 3600");
    if (scope === "project") expect(report.notes.join("\n")).toContain("trusts the project");

    expect((await installClient(options("codex", scope))).changed).toBe(false);
    expect(await read(f)).toBe(after);

    const removed = await uninstallClient(options("codex", scope));
    expect(removed.changed).toBe(true);
    expect(await read(f)).toBe(TOML_ORIGINAL);
    expect((await uninstallClient(options("codex", scope))).changed).toBe(false);
    expect(await backups(f)).toHaveLength(2);
  });

  it("dry run writes nothing", async () => {
    const f = file();
    await write(f, TOML_ORIGINAL);
    const before = await listFiles(root);
    const report = await installClient(options("codex", scope, { dryRun: true }));
    expect(report.changed).toBe(true);
    expect(report.diff).toContain(`+command = "${COMMAND}"`);
    expect(await read(f)).toBe(TOML_ORIGINAL);
    expect(await listFiles(root)).toEqual(before);
  });

  it("refuses invalid TOML, naming the line, and leaves it untouched", async () => {
    const f = file();
    const broken = `model = "o3"\n\n[mcp_servers.other]\ncommand = \n`;
    await write(f, broken);
    const err = await installClient(options("codex", scope)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/config\.toml is not valid TOML \(line 4, column \d+: /);
    expect((err as Error).message).toContain("nothing was changed");
    expect(await read(f)).toBe(broken);
    expect(await backups(f)).toEqual([]);
  });

  it("creates the file when there is none", async () => {
    const report = await installClient(options("codex", scope));
    expect(report.changed).toBe(true);
    expect(await read(file())).toBe(CODEX_BLOCK);
    expect((await uninstallClient(options("codex", scope))).changed).toBe(true);
    expect(await read(file())).toBe("");
  });
});

describe("codex TOML edits", () => {
  const f = () => path.join(home, ".codex", "config.toml");

  it("replaces the predecessor's table and its scattered sub-tables in place, keeping comments around them", async () => {
    const original = `model = "o3"

# the old codex MCP server
[mcp_servers.codex]
command = "npx"
args = ["-y", "codex-mcp"]   # old

[mcp_servers.codex.env]
OLD = "1"
# about the TUI
[tui]
notifications = true

[mcp_servers.codex.extra]
x = 1

[mcp_servers.after]
command = "after"
`;
    await write(f(), original);
    const report = await installClient(options("codex", "user"));
    expect(report.notes[0]).toContain('Replaced the existing "codex" entry');
    expect(await read(f())).toBe(`model = "o3"

# the old codex MCP server
${CODEX_BLOCK}# about the TUI
[tui]
notifications = true

[mcp_servers.after]
command = "after"
`);
    await uninstallClient(options("codex", "user"));
    expect(await read(f())).toBe(`model = "o3"

# the old codex MCP server
# about the TUI
[tui]
notifications = true

[mcp_servers.after]
command = "after"
`);
  });

  it("appends at the end when there are no other servers, keeping CRLF and a missing-table file", async () => {
    const original = '# c\r\nmodel = "o3"\r\n\r\n[tui]\r\nx = 1\r\n';
    await write(f(), original);
    await installClient(options("codex", "user", { env: undefined, toolTimeoutSeconds: 7200 }));
    expect(await read(f())).toBe(
      `${original}\r\n[mcp_servers.codex]\r\ncommand = "${COMMAND}"\r\nargs = ["${ARGS[0]}"]\r\nstartup_timeout_sec = 30\r\ntool_timeout_sec = 7200\r\n`,
    );
    await uninstallClient(options("codex", "user"));
    expect(await read(f())).toBe(original);
  });

  it("recognises our table however its header is spelled", async () => {
    const original = `[ mcp_servers . "codex" ]   # spaced and quoted
command = "old"

[mcp_servers.'codex'.env]
A = "1"

[mcp_servers."codex-other"]
command = "keep"
`;
    await write(f(), original);
    await uninstallClient(options("codex", "user"));
    expect(await read(f())).toBe(`[mcp_servers."codex-other"]\ncommand = "keep"\n`);
  });

  it("quotes what TOML needs quoted", async () => {
    await installClient(
      options("codex", "user", {
        command: 'C:\\Program Files\\node "x".exe',
        args: ["a\tb", "ü"],
        env: { PATH_EXTRA: "line1\nline2" },
      }),
    );
    const parsed = parseToml(await read(f())) as { mcp_servers: { codex: Record<string, unknown> } };
    expect(parsed.mcp_servers.codex.command).toBe('C:\\Program Files\\node "x".exe');
    expect(parsed.mcp_servers.codex.args).toEqual(["a\tb", "ü"]);
    expect({ ...(parsed.mcp_servers.codex.env as object) }).toEqual({ PATH_EXTRA: "line1\nline2" });
  });

  it("accepts the same server written with an env sub-table as already installed", async () => {
    const original = `[mcp_servers.codex]
command = "${COMMAND}"
args = [
  "${ARGS[0]}",
]
startup_timeout_sec = 30
tool_timeout_sec = 3600

[mcp_servers.codex.env]
CODEXMCP_LOG = "debug"
`;
    await write(f(), original);
    expect((await installClient(options("codex", "user"))).changed).toBe(false);
    expect(await backups(f())).toEqual([]);
  });

  it("refuses to edit an entry written as an inline table or dotted keys", async () => {
    const inline = `[mcp_servers]\ncodex = { command = "old" }\n`;
    await write(f(), inline);
    await expect(installClient(options("codex", "user"))).rejects.toThrow(/inline table or dotted keys/);
    await expect(uninstallClient(options("codex", "user"))).rejects.toThrow(/inline table or dotted keys/);
    expect(await read(f())).toBe(inline);

    const dotted = `mcp_servers.codex.command = "old"\n`;
    await write(f(), dotted);
    await expect(installClient(options("codex", "user"))).rejects.toBeInstanceOf(UserError);
    expect(await read(f())).toBe(dotted);
  });

  it("refuses when mcp_servers is an inline table it cannot extend", async () => {
    const original = `mcp_servers = { other = { command = "o" } }\n`;
    await write(f(), original);
    const err = await installClient(options("codex", "user")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain("inline table");
    expect(await read(f())).toBe(original);
  });
});
