import type { Sandbox } from "../../core/sandbox.js";
import type { TaskResult, TaskStatus } from "../../core/types.js";

/**
 * What a server says to `codexmcp remote <verb>` on a host, and what it answers. Every request
 * is one JSON line on the ssh command's stdin (a dispatch adds a git bundle after it); every
 * answer is one JSON line on stdout (a collect adds a bundle after it). Nothing travels in argv.
 * Both sides must run the same codexmcp version: the hello says which.
 */
export const REMOTE_PROTOCOL = 1;

export const REMOTE_VERBS = ["hello", "dispatch", "pull", "cancel", "collect", "cleanup", "doctor"] as const;
export type RemoteVerb = (typeof REMOTE_VERBS)[number];

export interface HelloReply {
  readonly codexmcp: string;
  readonly protocol: number;
  readonly home: string;
  /** 1, 5 and 15 minute load averages. */
  readonly load: readonly number[];
  readonly cpus: number;
  readonly running: number;
  readonly queued: number;
  readonly max_parallel: number;
}

export interface DispatchSpec {
  /** Names the repository's bare mirror on the host (a hash of the caller's common git dir). */
  readonly repo_id: string;
  readonly repo_name: string;
  /** The caller's directory inside the repository ("" at the top). */
  readonly subdir: string;
  /** The snapshot commit the worktree starts from (in the bundle, or already in the mirror). */
  readonly snapshot: string;
  readonly topic: string;
  readonly sandbox: Sandbox;
  readonly agent?: string;
  readonly model?: string;
  readonly profile?: string;
  readonly reasoning_effort?: string;
  readonly timeout_seconds?: number;
  readonly session_id?: string;
  readonly worktree_root?: string;
  /** The caller's `max_parallel` for this host: the host's queue runs this many of them at once. */
  readonly max_parallel?: number;
  /**
   * The sha256 of the repository's `.codexmcp.yaml` when a person trusted exactly that content on
   * the caller's machine (absent otherwise): the host applies its setup, env and other
   * trusted-only keys only when the file that arrived has this hash.
   */
  readonly trusted_config?: string;
  /** The allow-listed variables of the caller's environment (host config `env`). */
  readonly env: Readonly<Record<string, string>>;
  readonly prompt: string;
}

export interface DispatchReply {
  readonly task_id: string;
  readonly status: TaskStatus;
  readonly task_dir: string;
  readonly worktree_dir: string;
  readonly run_dir: string;
  readonly agent_branch: string;
  readonly base_commit: string;
  readonly tmux_session: string | null;
  /** argv (on the host) that attaches a terminal to the task's tmux session. */
  readonly attach: readonly string[] | null;
}

/** The task's streams mirrored by byte offset. */
export const STREAMS = ["events", "log", "stderr"] as const;
export type StreamName = (typeof STREAMS)[number];

export interface PullRequest {
  readonly task_id: string;
  readonly offsets: Readonly<Record<StreamName, number>>;
}

export interface PullReply {
  readonly status: TaskStatus;
  readonly started_at: string | null;
  readonly result: TaskResult | null;
  /** Bytes from each offset (base64), at most PULL_CHUNK each. */
  readonly chunks: Readonly<Record<StreamName, string>>;
  /** Each stream's whole size on the host (more to pull when above offset + chunk). */
  readonly sizes: Readonly<Record<StreamName, number>>;
}

export const PULL_CHUNK = 4 * 1024 * 1024;

export interface CancelRequest {
  readonly task_id: string;
  readonly reason?: string;
}

export interface CollectRequest {
  readonly task_id: string;
  /** Commits the caller has (bundle prerequisites). */
  readonly have: readonly string[];
}

export interface CollectReply {
  readonly agent_branch: string;
  /** The branch's tip. */
  readonly head: string;
  /** A commit on top of head holding the worktree's uncommitted and untracked files (= head when clean). */
  readonly state: string;
  /** Bytes of the bundle that follows the JSON line (0: nothing new). */
  readonly bundle_bytes: number;
}

export interface CleanupRequest {
  readonly task_id: string;
  /** The worktree state the caller brought back: a worktree still exactly so holds nothing new. */
  readonly state: string | null;
  readonly force: boolean;
}

export interface CleanupReply {
  readonly removed: boolean;
  readonly reasons: readonly string[];
}

/** `codexmcp doctor` asks a host what its tasks would need: its tmux, git and agent CLIs. */
export interface DoctorRequest {
  /** Agents to look up besides the host's own default (the caller's default, say). */
  readonly agents: readonly string[];
}

/** One program as the host's codexmcp finds it (the PATH ssh commands get there). */
export interface ProgramReport {
  /** What was looked for (a name on PATH or a path). */
  readonly looked_for: string;
  /** Where it was found; null when it is not there. */
  readonly path: string | null;
  /** The first line of its version, or null. */
  readonly version: string | null;
  /** Why the version could not be read (it is there but does not answer). */
  readonly error: string | null;
}

export interface DoctorReply {
  readonly path_env: string;
  readonly default_agent: string;
  readonly tmux: ProgramReport;
  readonly git: ProgramReport;
  readonly agents: Readonly<Record<string, ProgramReport>>;
}

/** The refs a bundle carries: the snapshot a dispatch sends, the branch and state a collect returns. */
export function bundleRef(taskId: string, kind: "snapshot" | "head" | "state"): string {
  return `refs/codexmcp/remote/${taskId}/${kind}`;
}

/** One JSON line, then raw bytes. */
export function frame(header: unknown, body?: Buffer): Buffer {
  const line = Buffer.from(`${JSON.stringify(header)}\n`, "utf8");
  return body && body.length > 0 ? Buffer.concat([line, body]) : line;
}

export function unframe<T>(data: Buffer): { header: T; body: Buffer } {
  const nl = data.indexOf(0x0a);
  if (nl < 0) throw new Error("no JSON line in the message");
  return {
    header: JSON.parse(data.subarray(0, nl).toString("utf8")) as T,
    body: data.subarray(nl + 1),
  };
}
