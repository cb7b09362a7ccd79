import type { AgentUsage } from "./agent-events.js";
import type { ProcessIdentity } from "./process-identity.js";
import type { Sandbox } from "./sandbox.js";

/** `damaged`: a store file of the task is unreadable (shown with what can be recovered). */
export const TERMINAL_STATUSES = ["completed", "failed", "cancelled", "timed_out", "damaged"] as const;
export const ACTIVE_STATUSES = ["queued", "starting", "running"] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];
export type TaskStatus = (typeof ACTIVE_STATUSES)[number] | TerminalStatus;

export function isTerminal(status: TaskStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export interface GitPlacement {
  readonly repo_root: string;
  readonly worktree_dir: string;
  readonly agent_branch: string;
  /** The caller's branch when the task was dispatched (null: detached HEAD). */
  readonly base_branch: string | null;
  readonly base_commit: string;
}

/**
 * A task placed on a remote host, recorded before the host is asked to run it (so a restart
 * knows where each task is and never dispatches it twice).
 */
export interface RemotePlacement {
  /** The configured host's name. */
  readonly host: string;
  readonly ssh: string;
  readonly ssh_options: readonly string[];
  readonly codexmcp: string;
  /**
   * The task's id on the host: its topic with this caller's mark in the description, so callers
   * never collide there (tasks/remote-names.ts). Absent in older records: the task's own id.
   */
  readonly task_id?: string;
  /** When the host took the task (null: the placement record exists, the host may not know yet). */
  dispatched_at: string | null;
  /** On the host: the task directory, its worktree, and the argv that attaches to its tmux session. */
  task_dir: string | null;
  worktree_dir: string | null;
  attach: readonly string[] | null;
  /** Since when the host cannot be reached (cleared when it answers again). */
  unreachable_since?: string | null;
  /** When the outcome and the agent branch were brought back. */
  collected_at?: string | null;
  /** What bringing the branch back could not do (the local worktree had changes of its own …). */
  collect_note?: string | null;
  /** The host worktree's state brought back (a commit; see git/fetch-back.ts). */
  collected_state?: string | null;
}

/** meta.json: the task's spec, written by the server; `status` is a cache, the files decide. */
export interface TaskMeta {
  readonly schema: 1;
  readonly task_id: string;
  readonly topic: string;
  readonly topic_type: string;
  readonly topic_stem: string;
  readonly sandbox: Sandbox;
  /** The agent that runs the task (absent in tasks stored before agents were a seam: codex). */
  readonly agent: string;
  /** The agent's own name for its mode ("danger-full-access", "bypassPermissions", …). */
  readonly agent_mode: string;
  readonly readonly_fallback: boolean;
  /**
   * Read-only tasks: what keeps the agent from writing — its own sandbox, a mode that refuses
   * write and shell tools, or only codexmcp's audit (the fallback).
   */
  readonly readonly_enforcement?: "sandbox" | "deny-tools" | "audit";
  /** Fallback mode only: restore the workspace when the audit finds a change. */
  readonly readonly_fallback_restore?: boolean;
  /** The file the agent reads on stdin: prompt.md, or agent-input.md when the prompt is wrapped. */
  readonly agent_input?: string;
  /** The caller's directory. */
  readonly cwd: string;
  /** Where codex runs: cwd, or the same subdirectory inside the worktree. */
  readonly run_dir: string;
  /** Where the runner lives: a tmux session or a detached process here, or another machine (remote). */
  readonly host: "tmux" | "process" | "ssh";
  readonly tmux_session: string | null;
  /** Tasks on a remote host: where, and how far the placement got (see hosts/ssh/). */
  readonly remote?: RemotePlacement;
  readonly tmux_socket: string | null;
  readonly git: GitPlacement | null;
  /** Full-access outside a git repository: no isolation. */
  readonly ran_in_place: boolean;
  readonly note: string | null;
  readonly resume_session_id: string | null;
  /** A new session's id chosen up front (agents that allow it), so an early crash can be resumed. */
  readonly preset_session_id?: string | null;
  readonly model: string | null;
  readonly profile: string | null;
  readonly reasoning_effort: string | null;
  readonly timeout_seconds: number;
  /** Fail the run when the agent keeps retrying its model this long (0 = never; absent: 180 s). */
  readonly unreachable_timeout_seconds?: number;
  /** Fail the run when the agent prints nothing for this long (0 or absent = never). */
  readonly stall_timeout_seconds?: number;
  /** MCP servers the agent may load: none (absent: none), or those of its own config but codexmcp. */
  readonly agent_mcp_servers?: "none" | "inherit";
  readonly agent_bin: string;
  readonly agent_args: readonly string[];
  /** Non-secret variables the agent needs beyond the task's environment. */
  readonly agent_env?: Readonly<Record<string, string>>;
  readonly created_at: string;
  /** `worktree.setup` commands to run before Codex ([] when not needed this time). */
  readonly setup?: readonly string[];
  /** Untracked files copied into the worktree from the checkout (`worktree.copy`). */
  readonly copied_files?: readonly string[];
  /** Names of the extra variables `.codexmcp.yaml` sets (values live in env.json only). */
  readonly env_names?: readonly string[];
  /** The repository's port range; the task's port is chosen when it starts. */
  readonly port_range?: { readonly from: number; readonly to: number; readonly env: string } | null;
  port?: number | null;
  readonly tmux_bin?: string;
  /** The parallelism limit in force when the task was dispatched (the queue honours it). */
  readonly max_parallel?: number;
  queued_at?: string | null;
  /** When the task left the queue (or was dispatched straight away) and its runner was started. */
  starting_at?: string | null;
  /** The value of the task's process tag (CODEXMCP_TASK_TAG; see core/task-tag.ts). */
  readonly process_tag?: string;
  status: TaskStatus;
  started_at: string | null;
  finished_at: string | null;
}

/** runner.json: who runs the task (written by the launcher, completed by the runner). */
export interface RunnerRecord extends ProcessIdentity {
  readonly host: "tmux" | "process";
  readonly launched_at: string;
  /** Set by the runner itself once its signal handlers are in place (a SIGTERM before is fatal). */
  readonly ready_at?: string;
  /** The agent CLI's process. */
  readonly agent_pid?: number;
}

export interface TaskResult {
  readonly task_id: string;
  readonly status: TerminalStatus;
  readonly success: boolean;
  readonly session_id: string | null;
  readonly result: string | null;
  readonly exit_code: number | null;
  readonly signal: string | null;
  readonly error: string | null;
  readonly elapsed_seconds: number;
  readonly usage: AgentUsage | null;
  /** Present where the agent reports a cost. */
  readonly cost_usd?: number | null;
  /** The model the agent said it used, where its stream says (see meta.model for the one asked for). */
  readonly model?: string;
  readonly agent?: string;
  readonly started_at: string | null;
  readonly finished_at: string;
  readonly diff_stat?: string;
  readonly files_changed?: number;
  readonly insertions?: number;
  readonly deletions?: number;
  readonly commits_ahead?: number;
  readonly head_commit?: string;
  readonly readonly_audit?: unknown;
  /** Who wrote the outcome: the runner itself, a cancel, or crash recovery. */
  readonly finalized_by: "runner" | "cancel" | "recovery";
}

export const TASK_ID_ENV = "CODEXMCP_TASK_ID";
