import type { Settings } from "../config/settings.js";
import type { Sandbox } from "../core/sandbox.js";
import type { TaskStore } from "../core/store.js";
import type { Tmux } from "../hosts/tmux/tmux.js";

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
}

export interface DispatchContext {
  readonly settings: Settings;
  readonly store: TaskStore;
  readonly tmux: Tmux;
  readonly env: NodeJS.ProcessEnv;
}
