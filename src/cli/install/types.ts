export const CLIENT_NAMES = ["claude-code", "codex", "cursor", "claude-desktop", "gemini"] as const;

export type ClientName = (typeof CLIENT_NAMES)[number];

export interface InstallOptions {
  readonly client: ClientName;
  /** "project" = the current project directory (`cwd`). */
  readonly scope: "user" | "project";
  /** Server name in the client's config; the CLI defaults it to "codex" (the predecessor's name). */
  readonly name: string;
  /** Absolute command that starts the server, e.g. process.execPath. */
  readonly command: string;
  /** e.g. ["/abs/path/dist/bin/codexmcp.js"] */
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** The user's home directory (tests pass a temporary one). */
  readonly home: string;
  /** Project directory for scope "project". */
  readonly cwd: string;
  readonly dryRun: boolean;
  /** For claude-desktop paths; default process.platform. */
  readonly platform?: NodeJS.Platform;
  /** Default 3600, where the client supports a per-server tool timeout. */
  readonly toolTimeoutSeconds?: number;
  /** Default true: prefer the client's own CLI when it is on PATH (only claude-code has one we use). */
  readonly useClientCli?: boolean;
  /**
   * Codex only: `default_tools_approval_mode = "approve"`, without which headless `codex exec`
   * refuses every tool marked destructive ("requires approval, but approval policy is never").
   */
  readonly approveTools?: boolean;
  /** PATH used to look for client CLIs (tests); default process.env.PATH. */
  readonly pathEnv?: string;
  /**
   * Register a running `codexmcp serve --transport http` instead of a command: its URL and the
   * bearer token the client must send (written into the client's user config, 0600).
   */
  readonly http?: { readonly url: string; readonly token: string };
}

export interface InstallReport {
  readonly client: ClientName;
  readonly action: "install" | "uninstall";
  /** Used the client's CLI, or edited its config file. */
  readonly method: "cli" | "file";
  /** The config file edited (method "file"). */
  readonly file?: string;
  /** Where the previous file was copied before editing. */
  readonly backup?: string;
  /** argv run (method "cli"). */
  readonly commands?: readonly string[][];
  /** False when the config was already in the requested state. */
  readonly changed: boolean;
  /** What changes: a unified diff (method "file") or the commands (method "cli"); "" when nothing changes. */
  readonly diff: string;
  readonly notes: readonly string[];
}

export type Action = InstallReport["action"];

export const DEFAULT_TOOL_TIMEOUT_SECONDS = 3600;
/**
 * Codex's MCP startup timeout (its default was 10 s before mid-2026 and is 30 s since): written
 * out so an older Codex waits as long for a cold `node` start on a busy machine.
 */
export const CODEX_STARTUP_TIMEOUT_SECONDS = 30;
/** The variable that tells the server the client's tool timeout (see tools/client-cancel.ts). */
export const CLIENT_TOOL_TIMEOUT_ENV = "CODEXMCP_CLIENT_TOOL_TIMEOUT";
