import type { AgentErrorCause, AgentEvent, AgentStreamReader } from "../core/agent-events.js";
import type { AgentName } from "../core/agent-names.js";
import type { Sandbox } from "../core/sandbox.js";

/** What a task asks of the agent, in terms every driver understands. */
export interface RunSpec {
  readonly runDir: string;
  /** The task directory (for files the agent writes besides its stream, e.g. usage). */
  readonly taskDir: string;
  readonly sandbox: Sandbox;
  /**
   * A read-only task that the agent runs with write access, audited by codexmcp instead
   * (the read-only fallback, or an agent without any read-only mechanism).
   */
  readonly auditedReadOnly: boolean;
  readonly model?: string | undefined;
  readonly profile?: string | undefined;
  readonly reasoningEffort?: string | undefined;
  /** Continue this session of the agent. */
  readonly resumeSessionId?: string | undefined;
  /** A new session with this id (drivers with `presetSessionId` only). */
  readonly newSessionId?: string | undefined;
  /** Extra writable roots for workspace-write (the worktree's own git directories). */
  readonly writableDirs?: readonly string[] | undefined;
}

/** What the runner knows when the agent is about to start (the machine may have changed since dispatch). */
export interface RunContext {
  readonly runDir: string;
  /** The environment the agent will get. */
  readonly env: Readonly<Record<string, string>>;
  readonly profile?: string | undefined;
  /**
   * MCP servers the agent may load from its own configuration: none, or all but codexmcp itself
   * (a task's agent must never reach the server that started it).
   */
  readonly mcpServers: "none" | "inherit";
}

export interface AgentRun {
  /** argv after the binary; the prompt is never in it (it travels on stdin). */
  readonly args: string[];
  /** Non-secret variables this run needs on top of the task's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** The agent's own name for the mode it runs in ("danger-full-access", "bypassPermissions", …). */
  readonly mode: string;
}

/**
 * Where an agent CLI looks for credentials, for `codexmcp doctor`: any of the variables set, or any
 * of the files present, counts as found. Doctor reads no secret, only whether it is there.
 */
export interface CredentialSources {
  readonly vars: readonly string[];
  /** Absolute paths. */
  readonly files: readonly string[];
  /** Where the CLI may also keep a login that codexmcp cannot look at (a system keychain, …). */
  readonly unseen?: string | undefined;
  /** How to give the CLI credentials, as advice a person can follow. */
  readonly howTo: string;
}

/**
 * How an agent keeps a read-only run from writing: its own sandbox, a mode that denies write
 * and shell tools, or nothing (then codexmcp audits the run: the read-only fallback).
 */
export type ReadOnlySupport = "sandbox" | "deny-tools" | "none";

/**
 * Everything that differs between agent CLIs. The rest of codexmcp (tasks, runner, hosts,
 * worktrees, queue, audit, progress) works on `AgentEvent`s and never names an agent.
 */
export interface AgentDriver {
  readonly name: AgentName;
  /** The product's name, for sentences ("Claude Code"). */
  readonly label: string;
  /** The npm package that provides the CLI (null: not on npm). */
  readonly npmPackage: string | null;
  readonly readOnly: ReadOnlySupport;
  /** The agent can confine writes to the worktree (workspace-write). */
  readonly workspaceWrite: boolean;
  /** The agent takes a session id chosen up front, so a run that crashed early can be resumed. */
  readonly presetSessionId: boolean;
  /** Whether `id` has the shape of this agent's session ids. */
  isSessionId(id: string): boolean;
  buildRun(spec: RunSpec): AgentRun;
  /**
   * The final argv, from the dispatch-time one and what the runner sees now (e.g. the MCP servers
   * the agent's config lists, to switch off). Without it the dispatch-time argv is used as is.
   */
  prepareArgs?(args: readonly string[], ctx: RunContext): Promise<string[]>;
  /** Loads what `prepareArgs` loads on first use (a standby runner calls it while nobody waits). */
  preload?(): Promise<unknown>;
  /**
   * The names the agent's raw events answer to in a codex_events filter: event types and the
   * types of what they carry (items, subtypes); "type:subtype" combines one of each. Absent: not
   * known, and raw filters are not checked.
   */
  readonly rawEventTypes?: { readonly types: readonly string[]; readonly subtypes: readonly string[] };
  /**
   * Variables computed from the task's own environment when the run starts (e.g. a config the
   * agent reads from the environment, merged with the user's). Not stored anywhere.
   */
  runEnv?(env: Readonly<Record<string, string>>, run: { readonly readOnly: boolean }): Record<string, string>;
  /** A reader for one run's stream (raw line → normalized events). */
  streamReader(): AgentStreamReader;
  /** Events the agent leaves outside its stream (read once it has exited). */
  afterExit?(taskDir: string): Promise<AgentEvent[]>;
  /** One sentence for a run that could not reach its model. */
  explainFailure(cause: AgentErrorCause, message: string): string;
  /**
   * Where the CLI finds credentials in `env` (its HOME, config dirs and variables). Absent: doctor
   * checks them another way (Codex: `codex login status` and its provider's key).
   */
  credentialSources?(env: NodeJS.ProcessEnv): CredentialSources;
}
