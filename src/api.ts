import { postMortemAudit } from "./audit/post-mortem.js";
import { loadSettings, type Settings, type SettingsOverrides } from "./config/settings.js";
import type { TaskRequest } from "./tasks/dispatch.js";
import { type EventsPage, readEventsPage } from "./tasks/events-page.js";
import { TaskManager } from "./tasks/manager.js";
import type { DispatchView, TaskView } from "./tasks/view.js";
import { waitForCompletion } from "./tasks/wait-any.js";

export interface CodexTasksOptions {
  /** Environment for settings and for the tasks (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Settings that win over the environment, by environment-variable name (e.g. CODEXMCP_HOME). */
  readonly overrides?: SettingsOverrides;
}

export type WaitResult =
  | { readonly status: "timeout" | "idle"; readonly cursor: string; readonly running: readonly string[] }
  | {
      readonly status: TaskView["status"];
      readonly cursor: string;
      readonly task: TaskView;
      readonly running: readonly string[];
    };

/**
 * codexmcp without MCP: start, follow, wait for, read and stop Codex tasks from TypeScript.
 * It works on the same task store as the server (`$CODEXMCP_HOME`), so tasks started here are
 * visible to `codexmcp ls` and to every server, and the other way round.
 *
 * ```ts
 * const tasks = await CodexTasks.open();
 * const { task_id, cursor } = await tasks.start({ prompt: "Add tests for utils.ts", cwd: "/abs/repo", topic: "test-utils-v1", sandbox: "full-access" });
 * const done = await tasks.wait({ taskIds: [task_id], cursor, timeoutMs: 600_000 });
 * ```
 */
export class CodexTasks {
  private constructor(readonly manager: TaskManager) {}

  static async open(opts: CodexTasksOptions = {}): Promise<CodexTasks> {
    const env = opts.env ?? process.env;
    const settings: Settings = await loadSettings(env, opts.overrides);
    return new CodexTasks(new TaskManager(settings, env, { postMortemAudit }));
  }

  /** Starts a task in the background (like codex_dispatch). */
  start(request: TaskRequest): Promise<DispatchView> {
    return this.manager.dispatch(request);
  }

  /** Starts a task and resolves with its result when it ends (like codex). */
  async run(request: TaskRequest, opts: { signal?: AbortSignal } = {}): Promise<TaskView> {
    const { task_id } = await this.start(request);
    const onAbort = () => void this.manager.cancel(task_id, { by: "api" }).catch(() => undefined);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await this.manager.waitForEnd(task_id, { signal: opts.signal });
      return await this.status(task_id);
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
    }
  }

  status(taskId: string): Promise<TaskView> {
    return this.manager.status(taskId);
  }

  /** All tasks, newest first. */
  async list(opts: { limit?: number; cwd?: string } = {}): Promise<TaskView[]> {
    const all = await this.manager.list(opts);
    return Promise.all(all.map((o) => this.manager.view(o)));
  }

  /** The next completion after `cursor` among `taskIds` (or any task), like codex_wait. */
  async wait(
    opts: { taskIds?: string[]; cursor?: string; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<WaitResult> {
    const outcome = await waitForCompletion(this.manager, {
      taskIds: opts.taskIds,
      cursor: opts.cursor,
      timeoutMs: opts.timeoutMs ?? this.manager.settings.waitDefaultSeconds * 1000,
      signal: opts.signal,
    });
    if (outcome.kind === "idle") return { status: "idle", cursor: outcome.cursor, running: [] };
    const running = outcome.running.map((o) => o.meta.task_id);
    if (outcome.kind === "timeout") return { status: "timeout", cursor: outcome.cursor, running };
    return {
      status: outcome.obs.status,
      cursor: outcome.cursor,
      task: await this.manager.view(outcome.obs, true),
      running,
    };
  }

  /** A page of the task's Codex events, like codex_events. */
  async events(
    taskId: string,
    opts: { cursor?: number | "tail"; limit?: number; types?: string[]; truncate?: number } = {},
  ): Promise<EventsPage> {
    const obs = await this.manager.observe(taskId);
    return readEventsPage({
      file: this.manager.store.layout.file(obs.meta.task_id, "events"),
      cursor: opts.cursor ?? 0,
      limit: opts.limit ?? 50,
      types: opts.types,
      truncate: opts.truncate ?? 0,
    });
  }

  async cancel(taskId: string): Promise<TaskView> {
    const { obs } = await this.manager.cancel(taskId, { by: "api" });
    return this.manager.view(obs);
  }

  /** Continues a finished task's conversation as the topic's next version, like codex_reply. */
  reply(taskId: string, prompt: string): Promise<DispatchView & { replied_to: string }> {
    return this.manager.reply(taskId, prompt);
  }
}
