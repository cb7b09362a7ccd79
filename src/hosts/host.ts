import type { TaskStore } from "../core/store.js";
import type { RunnerRecord, TaskMeta } from "../core/types.js";

/**
 * Where a task's runner lives. Every host runs the same runner (dist/runner/main.js) on the
 * same task files; a host decides how it is started, how a person watches it, and what is left
 * of it to close when the task ends. Local hosts: a tmux session (write tasks, attachable) or a
 * detached process (read-only tasks). The SSH host (hosts/ssh/) is the same pair on another
 * machine, reached through that machine's own codexmcp.
 */
export interface TaskHost {
  readonly kind: TaskMeta["host"];
  /** Starts the task's runner (env.json and the task files are written) and records who runs it. */
  launch(store: TaskStore, meta: TaskMeta): Promise<RunnerRecord>;
  /** Closes what the host keeps of a task (its tmux session); true when something was closed. */
  close(meta: TaskMeta): Promise<boolean>;
  /** Whether the host still holds something of the task a person could attach to. */
  hasSession(meta: TaskMeta): Promise<boolean>;
  /** The command a person runs to watch the task live, or undefined when the host has none. */
  attachCommand(meta: TaskMeta): string | undefined;
}

/** Finds the host of a task from its meta.json (a task stays on the host it was placed on). */
export interface HostResolver {
  hostOf(meta: TaskMeta): TaskHost;
}
