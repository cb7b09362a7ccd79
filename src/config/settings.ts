import os from "node:os";
import path from "node:path";
import { AGENT_COMMANDS, AGENT_NAMES, type AgentName, agentBinEnvVar } from "../core/agent-names.js";
import { DEFAULT_TOPIC_TYPES } from "../core/topic.js";
import { UserError } from "../util/errors.js";
import { durationSeconds } from "./duration.js";
import { loadYamlConfig } from "./load.js";
import { type HostConfig, type RepoConfig, toBool, type UserConfig, userConfigSchema } from "./schema.js";

export interface NotifySettings {
  readonly bell: boolean;
  readonly desktop: boolean;
  /** A running task whose agent printed nothing this long is reported as stalled (0 = never). */
  readonly stallAfterSeconds: number;
  readonly webhook?: {
    readonly url: string;
    readonly secret?: string | undefined;
    readonly retries: number;
    readonly timeoutSeconds: number;
    readonly on?: readonly string[] | undefined;
  };
}

/** Everything the server needs to know, resolved once: flags > environment > config.yaml > defaults. */
export interface Settings {
  readonly home: string;
  readonly codexBin: string;
  /** The binary of every agent (a path or a name looked up on PATH). */
  readonly agentBins: Readonly<Record<AgentName, string>>;
  /** The agent a task runs when neither the call nor the repository names one. */
  readonly defaultAgent: AgentName;
  readonly tmuxBin: string;
  /** undefined: the user's default tmux server; a name (-L) or a path (-S) otherwise. */
  readonly tmuxSocket: string | undefined;
  readonly taskTimeoutSeconds: number;
  /** A run whose agent keeps retrying its model connection this long fails (0 = never). */
  readonly unreachableTimeoutSeconds: number;
  /** A run that prints nothing for this long fails as stalled (0 = never). */
  readonly stallTimeoutSeconds: number;
  /** Whether a task's agent may load the MCP servers its own config lists (codexmcp never). */
  readonly agentMcpServers: AgentMcpServers;
  readonly model: string | undefined;
  readonly profile: string | undefined;
  readonly reasoningEffort: string | undefined;
  readonly readonlyFallback: boolean;
  readonly readonlyFallbackRestore: boolean;
  readonly maxParallel: number;
  /** Default bound for a blocking `codex` call; 0 = wait until the task ends. */
  readonly maxWaitSeconds: number;
  readonly waitDefaultSeconds: number;
  readonly waitMaxSeconds: number;
  readonly progressIntervalSeconds: number;
  /** The MCP client's tool-call timeout, when known (install writes it): tells its cancels from a person's. */
  readonly clientToolTimeoutSeconds: number | undefined;
  readonly retentionDays: number;
  readonly taskLinks: boolean;
  readonly topicTypes: readonly string[];
  /** Defaults every repository inherits; `.codexmcp.yaml` overrides them key by key. */
  readonly repoDefaults: RepoConfig;
  /** Launcher-loading variables a trusted `.codexmcp.yaml` may still set (config.yaml only). */
  readonly allowRepoEnv: readonly string[];
  /** How a person is told a task ended or stalled (config.yaml `notify:`). */
  readonly notify: NotifySettings;
  /** Prices per model (USD per million tokens) beyond the built-in table (config.yaml `usage.prices`). */
  readonly usagePrices: Readonly<
    Record<
      string,
      { readonly input: number; readonly cached_input?: number | undefined; readonly output: number }
    >
  >;
  /** Remote hosts tasks can run on (config.yaml `hosts:`). */
  readonly hosts: readonly HostConfig[];
  /** Whether `host: "auto"` may pick this machine too. */
  readonly autoIncludesLocal: boolean;
  /** Whether a server keeps a runner process ready for the next read-only task. */
  readonly standbyRunner: boolean;
}

export const AGENT_MCP_SERVER_MODES = ["none", "inherit"] as const;
export type AgentMcpServers = (typeof AGENT_MCP_SERVER_MODES)[number];

export const DEFAULTS = {
  taskTimeoutSeconds: 4 * 3600,
  unreachableTimeoutSeconds: 180,
  stallTimeoutSeconds: 0,
  stallAfterSeconds: 600,
  agentMcpServers: "none" as AgentMcpServers,
  maxParallel: 4,
  maxWaitSeconds: 0,
  waitDefaultSeconds: 50,
  waitMaxSeconds: 290,
  progressIntervalSeconds: 10,
  retentionDays: 30,
} as const;

/** Environment variables the settings read, with what they set: the single table in the docs. */
export const ENV_VARS = {
  CODEXMCP_HOME: "state directory (default ~/.codexmcp)",
  CODEX_BIN: "Codex binary (default `codex` on PATH)",
  CODEXMCP_AGENT: "the default agent (codex, claude, gemini, opencode, copilot, qwen, cursor)",
  CODEXMCP_CODEX_BIN: "Codex binary (same as CODEX_BIN, which it wins over)",
  CODEXMCP_CLAUDE_BIN: "Claude Code binary (default `claude` on PATH)",
  CODEXMCP_GEMINI_BIN: "Gemini CLI binary (default `gemini` on PATH)",
  CODEXMCP_OPENCODE_BIN: "opencode binary (default `opencode` on PATH)",
  CODEXMCP_COPILOT_BIN: "Copilot CLI binary (default `copilot` on PATH)",
  CODEXMCP_QWEN_BIN: "Qwen Code binary (default `qwen` on PATH)",
  CODEXMCP_CURSOR_BIN: "Cursor agent binary (default `cursor-agent` on PATH)",
  CODEXMCP_TMUX_BIN: "tmux binary (default `tmux` on PATH)",
  CODEXMCP_TMUX_SOCKET: "tmux socket: a name (-L) or a path (-S); default the user's default server",
  CODEXMCP_TASK_TIMEOUT: "wall-clock limit per task (seconds or 30m/2h)",
  CODEXMCP_UNREACHABLE_TIMEOUT: "fail a task whose agent cannot reach its model for this long (0 = never)",
  CODEXMCP_STALL_TIMEOUT: "fail a task whose agent prints nothing for this long (0 = never, the default)",
  CODEXMCP_AGENT_MCP_SERVERS:
    "none (default): tasks' agents load no MCP servers; inherit: those of the agent's own config (never codexmcp)",
  CODEXMCP_MODEL: "default model",
  CODEX_PROFILE: "default Codex profile",
  CODEX_REASONING_EFFORT: "default reasoning effort",
  CODEXMCP_READONLY_FALLBACK: "1 = run read-only tasks unsandboxed with audit (see docs)",
  CODEXMCP_READONLY_FALLBACK_RESTORE: "1 = restore the workspace after a read-only violation",
  CODEXMCP_MAX_PARALLEL: "tasks running at once on this machine",
  CODEXMCP_MAX_WAIT: "default max_wait_seconds for the blocking codex tool (0 = off)",
  CODEXMCP_WAIT_TIMEOUT: "default codex_wait timeout",
  CODEXMCP_WAIT_MAX: "largest codex_wait timeout accepted",
  CODEXMCP_PROGRESS_INTERVAL: "seconds between progress heartbeats",
  CODEXMCP_CLIENT_TOOL_TIMEOUT:
    "the MCP client's tool-call timeout (install sets it): a cancel at that time keeps the task running",
  CODEXMCP_RETENTION_DAYS: "days finished task directories are kept",
  CODEXMCP_TASK_LINKS: "0 = do not create <cwd>/.codex-tasks/<topic> links",
  CODEXMCP_STANDBY_RUNNER:
    "0 = start each read-only task's runner when the task starts (default: a server keeps one runner process ready)",
} as const;

export type EnvVarName = keyof typeof ENV_VARS;
export type SettingsOverrides = Partial<Record<EnvVarName, string>>;

function seconds(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const parsed = durationSeconds(name).safeParse(raw);
  if (!parsed.success) throw new UserError(`${name}=${raw} is not a duration (use seconds or 90s, 30m, 2h).`);
  return parsed.data;
}

function integer(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${name}=${raw} must be an integer >= ${min}.`);
  return n;
}

function agentMcpServers(raw: string | undefined): AgentMcpServers | undefined {
  if (raw === undefined) return undefined;
  if (!(AGENT_MCP_SERVER_MODES as readonly string[]).includes(raw))
    throw new UserError(`CODEXMCP_AGENT_MCP_SERVERS=${raw} must be "none" or "inherit".`);
  return raw as AgentMcpServers;
}

function nonEmpty(raw: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === "" ? undefined : raw.trim();
}

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return nonEmpty(env.CODEXMCP_HOME) ?? path.join(os.homedir(), ".codexmcp");
}

export function userConfigPath(home: string): string {
  return path.join(home, "config.yaml");
}

/**
 * Resolves settings. `overrides` carries command-line flags (same names as the environment
 * variables) and wins over `env`, which wins over config.yaml, which wins over defaults.
 */
export async function loadSettings(
  env: NodeJS.ProcessEnv = process.env,
  overrides: SettingsOverrides = {},
  opts: { ignoreConfigFile?: boolean } = {},
): Promise<Settings> {
  const get = (name: EnvVarName): string | undefined => overrides[name] ?? env[name];
  const home = path.resolve(nonEmpty(get("CODEXMCP_HOME")) ?? defaultHome({}));
  const file: UserConfig = opts.ignoreConfigFile
    ? {}
    : ((await loadYamlConfig(userConfigPath(home), userConfigSchema)) ?? {});
  const bool = (name: EnvVarName, fromFile: boolean | undefined, dflt: boolean) => {
    const raw = nonEmpty(get(name));
    return raw !== undefined ? toBool(raw) : (fromFile ?? dflt);
  };
  const waitMaxSeconds =
    seconds("CODEXMCP_WAIT_MAX", get("CODEXMCP_WAIT_MAX")) ??
    file.wait?.max_timeout ??
    DEFAULTS.waitMaxSeconds;
  const waitDefaultSeconds = Math.min(
    waitMaxSeconds,
    seconds("CODEXMCP_WAIT_TIMEOUT", get("CODEXMCP_WAIT_TIMEOUT")) ??
      file.wait?.default_timeout ??
      DEFAULTS.waitDefaultSeconds,
  );
  const { worktree, env: repoEnv, ports, timeout, topic_types } = file;
  const codexBin =
    nonEmpty(get("CODEXMCP_CODEX_BIN")) ??
    nonEmpty(get("CODEX_BIN")) ??
    file.agents?.codex?.bin ??
    file.codex_bin ??
    "codex";
  const agentBins = Object.fromEntries(
    AGENT_NAMES.map((name) => [
      name,
      name === "codex"
        ? codexBin
        : (nonEmpty(get(agentBinEnvVar(name) as EnvVarName)) ??
          file.agents?.[name]?.bin ??
          AGENT_COMMANDS[name]),
    ]),
  ) as Record<AgentName, string>;
  const agentEnv = nonEmpty(get("CODEXMCP_AGENT"));
  if (agentEnv !== undefined && !(AGENT_NAMES as readonly string[]).includes(agentEnv))
    throw new UserError(`CODEXMCP_AGENT=${agentEnv} is not an agent; use one of ${AGENT_NAMES.join(", ")}.`);
  return {
    home,
    codexBin,
    agentBins,
    defaultAgent: (agentEnv as AgentName | undefined) ?? file.agent ?? "codex",
    tmuxBin: nonEmpty(get("CODEXMCP_TMUX_BIN")) ?? file.tmux_bin ?? "tmux",
    tmuxSocket: nonEmpty(get("CODEXMCP_TMUX_SOCKET")) ?? nonEmpty(file.tmux_socket),
    taskTimeoutSeconds:
      seconds("CODEXMCP_TASK_TIMEOUT", get("CODEXMCP_TASK_TIMEOUT")) ??
      file.task_timeout ??
      timeout ??
      DEFAULTS.taskTimeoutSeconds,
    unreachableTimeoutSeconds:
      seconds("CODEXMCP_UNREACHABLE_TIMEOUT", get("CODEXMCP_UNREACHABLE_TIMEOUT")) ??
      file.unreachable_timeout ??
      DEFAULTS.unreachableTimeoutSeconds,
    stallTimeoutSeconds:
      seconds("CODEXMCP_STALL_TIMEOUT", get("CODEXMCP_STALL_TIMEOUT")) ??
      file.stall_timeout ??
      DEFAULTS.stallTimeoutSeconds,
    agentMcpServers:
      agentMcpServers(nonEmpty(get("CODEXMCP_AGENT_MCP_SERVERS"))) ??
      file.agent_mcp_servers ??
      DEFAULTS.agentMcpServers,
    model: nonEmpty(get("CODEXMCP_MODEL")) ?? file.model,
    profile: nonEmpty(get("CODEX_PROFILE")) ?? file.profile,
    reasoningEffort: nonEmpty(get("CODEX_REASONING_EFFORT")) ?? file.reasoning_effort,
    readonlyFallback: bool("CODEXMCP_READONLY_FALLBACK", file.readonly_fallback?.enabled, false),
    readonlyFallbackRestore: bool(
      "CODEXMCP_READONLY_FALLBACK_RESTORE",
      file.readonly_fallback?.restore,
      false,
    ),
    maxParallel:
      integer("CODEXMCP_MAX_PARALLEL", get("CODEXMCP_MAX_PARALLEL"), 1) ??
      file.max_parallel ??
      DEFAULTS.maxParallel,
    maxWaitSeconds:
      seconds("CODEXMCP_MAX_WAIT", get("CODEXMCP_MAX_WAIT")) ?? file.max_wait ?? DEFAULTS.maxWaitSeconds,
    waitDefaultSeconds,
    waitMaxSeconds,
    progressIntervalSeconds:
      seconds("CODEXMCP_PROGRESS_INTERVAL", get("CODEXMCP_PROGRESS_INTERVAL")) ??
      file.progress_interval ??
      DEFAULTS.progressIntervalSeconds,
    clientToolTimeoutSeconds: seconds("CODEXMCP_CLIENT_TOOL_TIMEOUT", get("CODEXMCP_CLIENT_TOOL_TIMEOUT")),
    retentionDays:
      integer("CODEXMCP_RETENTION_DAYS", get("CODEXMCP_RETENTION_DAYS"), 0) ??
      file.retention_days ??
      DEFAULTS.retentionDays,
    taskLinks: bool("CODEXMCP_TASK_LINKS", file.task_links, true),
    topicTypes: topic_types ?? DEFAULT_TOPIC_TYPES,
    repoDefaults: { worktree, env: repoEnv, ports, topic_types },
    allowRepoEnv: file.allow_repo_env ?? [],
    notify: {
      bell: file.notify?.bell ?? true,
      desktop: file.notify?.desktop ?? true,
      stallAfterSeconds: file.notify?.stall_after ?? DEFAULTS.stallAfterSeconds,
      ...(file.notify?.webhook
        ? {
            webhook: {
              url: file.notify.webhook.url,
              secret: file.notify.webhook.secret,
              retries: file.notify.webhook.retries ?? 3,
              timeoutSeconds: file.notify.webhook.timeout ?? 10,
              on: file.notify.webhook.on,
            },
          }
        : {}),
    },
    usagePrices: file.usage?.prices ?? {},
    hosts: file.hosts ?? [],
    autoIncludesLocal: file.auto_includes_local ?? false,
    standbyRunner: bool("CODEXMCP_STANDBY_RUNNER", file.standby_runner, true),
  };
}
