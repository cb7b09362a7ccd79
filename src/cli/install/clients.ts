import path from "node:path";
import { UserError } from "../../util/errors.js";
import {
  type ClientName,
  CODEX_STARTUP_TIMEOUT_SECONDS,
  DEFAULT_TOOL_TIMEOUT_SECONDS,
  type InstallOptions,
} from "./types.js";
import { deepEqual, isRecord } from "./values.js";

/**
 * Where each client keeps its MCP servers and what an entry looks like. Facts as of the clients'
 * current docs (2026); each is an assumption about software we do not control:
 *
 * - Claude Code: user scope in `~/.claude.json` (top-level `mcpServers`), project scope in
 *   `<project>/.mcp.json`; entries `{ type: "stdio", command, args, env }` (what `claude mcp add`
 *   writes). No per-server timeout: tool calls are bounded by the MCP_TOOL_TIMEOUT environment
 *   variable (milliseconds). CLAUDE_CONFIG_DIR, when set, moves `.claude.json`; not followed here.
 * - Codex CLI: `~/.codex/config.toml` (CODEX_HOME), or `<project>/.codex/config.toml`, which
 *   Codex reads only for projects the user has trusted. `[mcp_servers.<name>]` with `command`,
 *   `args`, `env`, `startup_timeout_sec` (default 30), `tool_timeout_sec` (default 300: codex-rs
 *   codex-mcp DEFAULT_TOOL_TIMEOUT) and `default_tools_approval_mode` ("approve" lets headless
 *   `codex exec` call tools marked destructive). `codex mcp add` exists but cannot set these, so
 *   the file is always edited directly.
 * - Cursor: `~/.cursor/mcp.json` or `<project>/.cursor/mcp.json`, `mcpServers` of
 *   `{ command, args, env }`; no per-server timeout.
 * - Claude Desktop: `claude_desktop_config.json` in ~/Library/Application Support/Claude
 *   (macOS), %APPDATA%\Claude (Windows) or ~/.config/Claude (Linux, community builds); user
 *   scope only; same entry shape as Cursor; no timeout setting.
 * - Gemini CLI: `~/.gemini/settings.json` or `<project>/.gemini/settings.json`, `mcpServers` of
 *   `{ command, args, env, timeout }` with `timeout` in milliseconds (default 10 minutes).
 */
export interface ClientSpec {
  readonly label: string;
  readonly format: "json" | "toml";
  readonly file: string;
  readonly entry: Record<string, unknown>;
  readonly matches: (existing: unknown) => boolean;
  readonly notes: (action: "install" | "uninstall") => string[];
}

const CLIENT_LABELS: Record<ClientName, string> = {
  "claude-code": "Claude Code",
  codex: "Codex",
  cursor: "Cursor",
  "claude-desktop": "Claude Desktop",
  gemini: "Gemini CLI",
};

export function clientLabel(client: ClientName): string {
  return CLIENT_LABELS[client];
}

export function toolTimeoutSeconds(opts: InstallOptions): number {
  const t = opts.toolTimeoutSeconds ?? DEFAULT_TOOL_TIMEOUT_SECONDS;
  if (!Number.isFinite(t) || t <= 0) {
    throw new UserError(`The tool timeout must be a positive number of seconds (got ${t}).`);
  }
  return t;
}

function envOf(opts: InstallOptions): Record<string, string> | undefined {
  return opts.env !== undefined && Object.keys(opts.env).length > 0 ? { ...opts.env } : undefined;
}

/** Drops what clients treat as absent anyway (empty env, empty args) before comparing. */
function normalized(entry: unknown, defaults: Record<string, unknown> = {}): unknown {
  if (!isRecord(entry)) return entry;
  const out: Record<string, unknown> = { ...defaults, ...entry };
  if (isRecord(out.env) && Object.keys(out.env).length === 0) delete out.env;
  if (Array.isArray(out.args) && out.args.length === 0) delete out.args;
  return out;
}

function matcher(desired: Record<string, unknown>, defaults?: Record<string, unknown>) {
  const want = normalized(desired, defaults);
  return (existing: unknown) => deepEqual(normalized(existing, defaults), want);
}

export function claudeDesktopConfigDir(opts: InstallOptions): string {
  const platform = opts.platform ?? process.platform;
  if (platform === "darwin") return path.join(opts.home, "Library", "Application Support", "Claude");
  if (platform === "win32")
    return path.join(opts.env?.APPDATA ?? path.join(opts.home, "AppData", "Roaming"), "Claude");
  return path.join(opts.home, ".config", "Claude");
}

export function configFile(opts: InstallOptions): string {
  const user = opts.scope === "user";
  switch (opts.client) {
    case "claude-code":
      return user ? path.join(opts.home, ".claude.json") : path.join(opts.cwd, ".mcp.json");
    case "codex":
      return path.join(user ? opts.home : opts.cwd, ".codex", "config.toml");
    case "cursor":
      return path.join(user ? opts.home : opts.cwd, ".cursor", "mcp.json");
    case "claude-desktop":
      if (!user) {
        throw new UserError(
          "Claude Desktop has no per-project configuration; run the command again with --scope user.",
        );
      }
      return path.join(claudeDesktopConfigDir(opts), "claude_desktop_config.json");
    case "gemini":
      return path.join(user ? opts.home : opts.cwd, ".gemini", "settings.json");
  }
}

const LONG_JOBS =
  "For long jobs prefer codex_dispatch (returns at once) and then codex_wait / codex_status, which do not hold one tool call open for the whole run.";

/** The entry that points a client at codexmcp's HTTP server, with its bearer token. */
function httpEntry(opts: InstallOptions, timeout: number): Record<string, unknown> {
  const { url, token } = opts.http as { url: string; token: string };
  const headers = { Authorization: `Bearer ${token}` };
  switch (opts.client) {
    case "claude-code":
      return { type: "http", url, headers };
    case "codex":
      return {
        url,
        http_headers: headers,
        startup_timeout_sec: CODEX_STARTUP_TIMEOUT_SECONDS,
        tool_timeout_sec: timeout,
      };
    case "cursor":
      return { url, headers };
    case "gemini":
      return { httpUrl: url, headers, timeout: Math.round(timeout * 1000) };
    case "claude-desktop":
      throw new UserError(
        "Claude Desktop's config file starts local servers only; install it without --transport http (it then runs codexmcp itself over stdio).",
      );
  }
}

export function clientSpec(opts: InstallOptions): ClientSpec {
  if (opts.http) {
    const spec = stdioClientSpec(opts);
    const entry = httpEntry(opts, toolTimeoutSeconds(opts));
    return { ...spec, entry, matches: matcher(entry) };
  }
  return stdioClientSpec(opts);
}

function stdioClientSpec(opts: InstallOptions): ClientSpec {
  const file = configFile(opts);
  const label = clientLabel(opts.client);
  const timeout = toolTimeoutSeconds(opts);
  const env = envOf(opts);
  const base = { command: opts.command, args: [...opts.args], ...(env ? { env } : {}) };
  const restart = (action: string) =>
    action === "install"
      ? `Restart ${label} to load the "${opts.name}" server.`
      : `Restart ${label} to unload it.`;

  switch (opts.client) {
    case "claude-code": {
      const entry = { type: "stdio", command: opts.command, args: [...opts.args], env: env ?? {} };
      return {
        label,
        format: "json",
        file,
        entry,
        matches: matcher(entry, { type: "stdio" }),
        notes: (action) => {
          if (action === "uninstall") return [restart(action)];
          const notes = [
            `${restart(action)} (or run /mcp in a running session).`,
            `Claude Code has no per-server tool timeout; a blocking codex call is limited by the MCP_TOOL_TIMEOUT environment variable (milliseconds), e.g. MCP_TOOL_TIMEOUT=${timeout * 1000} in the "env" block of ~/.claude/settings.json. ${LONG_JOBS}`,
          ];
          if (opts.scope === "user" && process.env.CLAUDE_CONFIG_DIR) {
            notes.push(
              `CLAUDE_CONFIG_DIR is set (${process.env.CLAUDE_CONFIG_DIR}): Claude Code reads its user config from there, not from ${file}.`,
            );
          }
          if (opts.scope === "project") {
            notes.push(
              `${file} is meant to be committed; Claude Code asks each user to approve a project's servers the first time.`,
            );
          }
          return notes;
        },
      };
    }
    case "codex": {
      const entry = {
        ...base,
        startup_timeout_sec: CODEX_STARTUP_TIMEOUT_SECONDS,
        tool_timeout_sec: timeout,
        ...(opts.approveTools ? { default_tools_approval_mode: "approve" } : {}),
      };
      return {
        label,
        format: "toml",
        file,
        entry,
        matches: matcher(entry),
        notes: (action) => {
          const notes = [restart(action)];
          if (action === "install") {
            notes.push(
              `tool_timeout_sec = ${timeout} lets one codex call run up to ${timeout} s (Codex's default is 300 s).`,
            );
            notes.push(
              opts.approveTools
                ? 'default_tools_approval_mode = "approve": Codex calls this server\'s tools without asking, also the ones that start, continue, merge or clean up tasks (codex, codex_dispatch, codex_reply, codex_merge, codex_cleanup). Headless `codex exec` refuses those otherwise.'
                : 'Headless `codex exec` (in its read-only or workspace-write sandbox) refuses this server\'s tools that start, continue, merge or clean up tasks ("requires approval, but approval policy is never"); interactive Codex asks you each time. Run install again with --approve-tools to let Codex call them without asking (default_tools_approval_mode = "approve").',
            );
            if (opts.scope === "project") {
              notes.push(
                `Codex reads ${file} only when it trusts the project: start codex in ${opts.cwd} once and trust it, or use --scope user.`,
              );
            }
          }
          const codexHome = process.env.CODEX_HOME;
          if (opts.scope === "user" && codexHome && path.resolve(codexHome) !== path.dirname(file)) {
            notes.push(
              `CODEX_HOME is set to ${codexHome}: Codex reads its config from there, not from ${file}.`,
            );
          }
          return notes;
        },
      };
    }
    case "cursor":
      return {
        label,
        format: "json",
        file,
        entry: base,
        matches: matcher(base),
        notes: (action) =>
          action === "install"
            ? [
                `${restart(action)} (or toggle it in Cursor Settings → MCP).`,
                `Cursor has no per-server tool timeout setting. ${LONG_JOBS}`,
              ]
            : [restart(action)],
      };
    case "claude-desktop": {
      const linux = (opts.platform ?? process.platform) === "linux";
      return {
        label,
        format: "json",
        file,
        entry: base,
        matches: matcher(base),
        notes: (action) => {
          const notes = [
            `Quit ${label} completely and open it again to ${action === "install" ? "load" : "unload"} the server.`,
          ];
          if (action === "install") notes.push(`Claude Desktop has no tool timeout setting. ${LONG_JOBS}`);
          if (linux)
            notes.push(
              "There is no official Claude Desktop for Linux; this is the path community builds read.",
            );
          return notes;
        },
      };
    }
    case "gemini": {
      const entry = { ...base, timeout: Math.round(timeout * 1000) };
      return {
        label,
        format: "json",
        file,
        entry,
        matches: matcher(entry),
        notes: (action) =>
          action === "install"
            ? [
                `${restart(action)} and check it with /mcp.`,
                `timeout = ${entry.timeout} ms lets one codex call run up to ${timeout} s (Gemini CLI's default is 10 minutes).`,
              ]
            : [restart(action)],
      };
    }
  }
}
