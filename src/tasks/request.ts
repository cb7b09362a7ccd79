import type { Settings } from "../config/settings.js";
import type { Sandbox } from "../core/sandbox.js";
import type { TaskStore } from "../core/store.js";
import type { HostResolver } from "../hosts/host.js";

/** What a caller asks to run (the codex/codex_dispatch parameters, checked). */
export interface TaskRequest {
  readonly prompt: string;
  /** The agent CLI to run (default: the repository's, then the server's default). */
  readonly agent?: string | undefined;
  readonly cwd: string;
  readonly topic: string;
  readonly sandbox: Sandbox;
  readonly session_id?: string | undefined;
  readonly model?: string | undefined;
  readonly profile?: string | undefined;
  readonly reasoning_effort?: string | undefined;
  readonly timeout_seconds?: number | undefined;
  /** "local" (default), "auto", or a configured remote host's name. */
  readonly host?: string | undefined;
  /**
   * Set by a host's `codexmcp remote dispatch` only (never by a tool): cwd is already the task's
   * worktree, made from the caller's snapshot; diffs count from `base_commit`.
   */
  readonly placed?: { readonly base_commit: string; readonly created: boolean } | undefined;
  /**
   * Set by a host's `codexmcp remote dispatch` only: the sha256 of the `.codexmcp.yaml` a person
   * trusted on the dispatching machine. The file in the worktree applies as trusted when it is
   * exactly that content; anything else is untrusted here as everywhere.
   */
  readonly vouched_config?: string | undefined;
}

export interface DispatchContext {
  readonly settings: Settings;
  readonly store: TaskStore;
  readonly hosts: HostResolver;
  readonly env: NodeJS.ProcessEnv;
}
