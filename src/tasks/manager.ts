import { promises as fsp } from "node:fs";
import { loadDriver } from "../agents/registry.js";
import { recentEvents } from "../agents/stream-file.js";
import type { Settings } from "../config/settings.js";
import type { CancelRequest } from "../core/cancel-request.js";
import { formatCursor, journalSize } from "../core/journal.js";
import { type StoreServices, TaskStore } from "../core/store.js";
import { parseTaskId, TASK_LIST_HINT } from "../core/topic.js";
import { isTerminal } from "../core/types.js";
import { TaskHosts } from "../hosts/registry.js";
import { type Observation, observeTask } from "../lifecycle/observe.js";
import { cancelQueued, pumpQueue, queuePosition } from "../lifecycle/scheduler.js";
import { UserError } from "../util/errors.js";
import { nowIso } from "../util/time.js";
import { cancelTask } from "./cancel.js";
import { type DispatchContext, dispatchTask, type TaskRequest } from "./dispatch.js";
import { chooseHost } from "./placement.js";
import { dispatchRemote } from "./remote-dispatch.js";
import { type DispatchView, dispatchView, idleSeconds, type TaskView, taskView } from "./view.js";
import { waitFor } from "./waiter.js";

/** Why a damaged task cannot be used for `what`, and what to do instead. */
export function damagedError(obs: Observation, what: string): UserError {
  const files = (obs.damage?.files ?? []).map((f) => `${f.file}: ${f.problem}`).join("; ");
  const session = obs.result?.session_id;
  return new UserError(
    `Task ${obs.meta.task_id} is damaged (${files}), so it cannot be ${what}. codex_status shows what can be recovered; codex_cleanup(task_id="${obs.meta.task_id}") moves the run into history/, after which the topic can be dispatched again${session ? ` (session_id "${session}" continues its Codex conversation)` : ""}.`,
  );
}

/** A blocking call that ended before its task (calls.jsonl). */
export interface CallEnd {
  readonly tool: string;
  readonly ended: "client_timeout" | "client_cancel" | "client_disconnected";
  readonly after_seconds: number;
  /** The client's words (notifications/cancelled reason). */
  readonly reason?: string;
  readonly client?: string;
  /** In words, for codex_status. */
  readonly note: string;
}

export interface ListOptions {
  readonly limit?: number;
  /** Only tasks dispatched from this directory. */
  readonly cwd?: string;
  readonly activeOnly?: boolean;
}

/**
 * The product's one entry point to tasks: the MCP tools, the command line and embedders all go
 * through it, and through it to the same files, so any number of processes agree.
 */
export class TaskManager {
  readonly store: TaskStore;
  /** Where each task runs (from its meta.json): this machine's tmux or a detached process. */
  readonly hosts: TaskHosts;

  /** How messages tell the reader to list tasks: a model has tools, a person the CLI. */
  private readonly listHint: string;

  constructor(
    readonly settings: Settings,
    private readonly env: NodeJS.ProcessEnv,
    services: StoreServices,
    opts: {
      audience?: "mcp" | "cli";
      /** Keep a runner ready for the next read-only task (long-lived servers; see hosts/local/standby.ts). */
      standbyRunner?: boolean;
    } = {},
  ) {
    this.listHint = TASK_LIST_HINT[opts.audience ?? "mcp"];
    this.store = new TaskStore(settings.home, services);
    this.hosts = new TaskHosts(
      settings.home,
      { bin: settings.tmuxBin, socket: settings.tmuxSocket },
      { standbyRunner: (opts.standbyRunner ?? false) && settings.standbyRunner },
    );
  }

  private get dispatchContext(): DispatchContext {
    return { settings: this.settings, store: this.store, hosts: this.hosts, env: this.env };
  }

  async dispatch(request: TaskRequest): Promise<DispatchView> {
    // Taken before the task exists, so a codex_wait from this cursor cannot miss its end.
    const cursor = formatCursor(await journalSize(this.store.layout.completionsFile));
    const target = await chooseHost(this.settings, this.store, request.host);
    const meta = target
      ? await dispatchRemote(this.dispatchContext, request, target)
      : await dispatchTask(this.dispatchContext, request);
    const obs = (await observeTask(this.store, meta.task_id, this.hosts)) ?? {
      meta,
      result: undefined,
      runner: undefined,
      status: meta.status,
    };
    const view = {
      ...dispatchView(obs, this.store.layout, this.hosts),
      cursor,
      hint: `${request.topic !== meta.topic ? `The topic is ${meta.topic} (a description joins its words with _). ` : ""}Running in the background. Call the codex_wait tool of this server with task_ids ["${meta.task_id}"] and cursor "${cursor}": it returns when the task ends. Its codex_status looks in, its codex_cancel stops it.`,
    };
    if (obs.status === "queued") {
      const position = await this.queuePosition(meta.task_id);
      if (position !== undefined) view.queue_position = position;
    }
    return view;
  }

  /** The task's current observation; an unknown id is a UserError that says how to find tasks. */
  async observe(taskId: string): Promise<Observation> {
    const { taskId: id } = parseTaskId(taskId, this.listHint);
    const obs = await observeTask(this.store, id, this.hosts);
    if (!obs) throw new UserError(`No task ${id} exists; ${this.listHint}.`);
    if (obs.recovered) this.pumpSoon();
    return obs;
  }

  /** Starts queued tasks while slots are free (any process may; the queue lock keeps it single). */
  pump(): Promise<string[]> {
    return pumpQueue(this.store, this.hosts);
  }

  /** A dead runner was found: its slot is free, so the queue may move (in the background). */
  private pumpSoon(): void {
    void this.pump().catch(() => undefined);
  }

  async view(obs: Observation, details = false): Promise<TaskView> {
    const view = await taskView(obs, {
      layout: this.store.layout,
      driver: await loadDriver(obs.meta.agent),
      hosts: this.hosts,
      details,
      previousRuns: details ? await this.store.historyCount(obs.meta.task_id) : 0,
    });
    if (obs.status === "queued") {
      const position = await this.queuePosition(obs.meta.task_id);
      if (position !== undefined) view.queue_position = position;
    }
    return view;
  }

  /** What the task did last, in one readable line (from the end of its events). */
  async lastActivity(obs: Observation): Promise<string | undefined> {
    const driver = await loadDriver(obs.meta.agent);
    return (await recentEvents(driver, this.store.layout.file(obs.meta.task_id, "events"), 1))[0];
  }

  /**
   * Records why a blocking call ended while its task went on (a client's timeout, a disconnect):
   * codex_status shows it, so nobody mistakes the call's end for the task's.
   */
  async recordCallEnd(taskId: string, record: CallEnd): Promise<void> {
    const line = `${JSON.stringify({ at: nowIso(), ...record })}\n`;
    await fsp.appendFile(this.store.layout.file(parseTaskId(taskId).taskId, "calls"), line, { mode: 0o600 });
  }

  /** Seconds since an active task's agent last printed anything (undefined once it has ended). */
  idleSeconds(obs: Observation): Promise<number | undefined> {
    return idleSeconds(obs, this.store.layout);
  }

  async status(taskId: string): Promise<TaskView> {
    return this.view(await this.observe(taskId), true);
  }

  /** Tasks, newest first. */
  async list(opts: ListOptions = {}): Promise<Observation[]> {
    const all = await Promise.all(
      (await this.store.listIds()).map((id) =>
        observeTask(this.store, id, this.hosts).catch(() => undefined),
      ),
    );
    const observations: Observation[] = [];
    for (const obs of all) {
      if (!obs) continue;
      if (obs.recovered) this.pumpSoon();
      if (opts.cwd && obs.meta.cwd !== opts.cwd) continue;
      if (opts.activeOnly && isTerminal(obs.status)) continue;
      observations.push(obs);
    }
    observations.sort((a, b) => b.meta.created_at.localeCompare(a.meta.created_at));
    return opts.limit ? observations.slice(0, opts.limit) : observations;
  }

  /** Stops a task; `why` says who asked (the recorded outcome names them). */
  async cancel(
    taskId: string,
    why: Pick<CancelRequest, "by" | "reason"> = { by: "codex_cancel" },
    opts: { abandon?: boolean } = {},
  ): Promise<{ obs: Observation; wasRunning: boolean }> {
    const obs = await this.observe(taskId);
    if (isTerminal(obs.status)) return { obs, wasRunning: false };
    const id = obs.meta.task_id;
    if (obs.meta.host === "ssh") {
      const { cancelRemote } = await import("../lifecycle/remote-observe.js");
      return { obs: await cancelRemote(this.store, obs.meta, why, opts), wasRunning: true };
    }
    if (obs.status === "queued" && (await cancelQueued(this.store, id, why))) {
      return { obs: await this.observe(id), wasRunning: true };
    }
    const cancelled = await cancelTask(this.store, this.hosts, id, await this.observe(id), why);
    this.pumpSoon();
    return { obs: cancelled, wasRunning: true };
  }

  /** Where a queued task stands (1 = next). */
  queuePosition(taskId: string): Promise<number | undefined> {
    return queuePosition(this.store, parseTaskId(taskId).taskId);
  }

  /**
   * Continues a finished task's conversation as the next free version of its topic, in the
   * same place (the same worktree for full-access tasks) with the same settings. Another agent
   * than the task's own starts a new conversation of its own there instead.
   */
  async reply(
    taskId: string,
    prompt: string,
    agent?: string,
  ): Promise<DispatchView & { replied_to: string }> {
    const obs = await this.observe(taskId);
    const { meta, result } = obs;
    if (obs.damage) throw damagedError(obs, "continued");
    if (!isTerminal(obs.status)) {
      throw new UserError(
        `Task ${meta.task_id} is still ${obs.status}; an agent cannot take a new message in the middle of a run. Wait for it (codex_wait) and reply then, or cancel it (codex_cancel).`,
      );
    }
    const sameAgent = agent === undefined || agent === meta.agent;
    const sessionId = result?.session_id ?? meta.preset_session_id ?? null;
    if (sameAgent && !sessionId) {
      throw new UserError(
        `Task ${meta.task_id} has no ${meta.agent} session to continue (it ${obs.status} before the agent started a conversation); start a new task with codex_dispatch instead.`,
      );
    }
    const stem = parseTaskId(meta.task_id);
    let version = stem.version;
    for (const id of await this.store.listIds()) {
      const t = parseTaskId(id);
      if (t.stem === stem.stem) version = Math.max(version, t.version);
    }
    const view = await this.dispatch({
      prompt,
      agent: agent ?? meta.agent,
      cwd: meta.cwd,
      topic: `${stem.stem}-v${version + 1}`,
      sandbox: meta.sandbox,
      session_id: sameAgent ? (sessionId ?? undefined) : undefined,
      model: sameAgent ? (meta.model ?? undefined) : undefined,
      profile: sameAgent ? (meta.profile ?? undefined) : undefined,
      reasoning_effort: sameAgent ? (meta.reasoning_effort ?? undefined) : undefined,
      timeout_seconds: meta.timeout_seconds,
      // A reply goes where the topic's worktree is.
      host: meta.remote?.host ?? "local",
    });
    return { ...view, replied_to: meta.task_id };
  }

  /** Resolves when the task ends (its observation), or undefined on timeout/abort. */
  async waitForEnd(
    taskId: string,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<Observation | undefined> {
    const { taskId: id } = parseTaskId(taskId);
    return waitFor(
      async () => {
        const obs = await observeTask(this.store, id, this.hosts);
        return obs && isTerminal(obs.status) ? obs : undefined;
      },
      {
        watch: [this.store.layout.taskDir(id)],
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        pollMs: 1000,
      },
    );
  }
}
