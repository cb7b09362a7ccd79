import { promises as fsp } from "node:fs";
import type { AgentDriver } from "../agents/agent.js";
import { recentEvents, sessionIdFromEvents } from "../agents/stream-file.js";
import type { AgentUsage } from "../core/agent-events.js";
import type { Layout } from "../core/layout.js";
import { isTerminal, type TaskStatus } from "../core/types.js";
import type { HostResolver } from "../hosts/host.js";
import type { Observation } from "../lifecycle/observe.js";
import { tailLines } from "../util/tail.js";
import { secondsBetween } from "../util/time.js";

/** What codex_dispatch returns. */
export interface DispatchView {
  task_id: string;
  status: TaskStatus;
  topic: string;
  agent: string;
  sandbox: string;
  started_at: string;
  log_file: string;
  task_dir: string;
  run_dir: string;
  worktree_dir?: string;
  agent_branch?: string;
  base_branch?: string | null;
  base_commit?: string;
  tmux_session?: string;
  attach_command?: string;
  /** Remote tasks: the configured host it runs on. */
  host?: string;
  host_unreachable_since?: string;
  resume_session_id?: string;
  ran_in_place?: boolean;
  note?: string;
  /** Completion-journal position before this task: codex_wait(cursor) from here sees its end. */
  cursor?: string;
  /** Queued tasks: their place in the machine-wide queue (1 = next). */
  queue_position?: number;
  hint: string;
}

/** What codex returns and codex_status shows (predecessor-compatible field names first). */
export interface TaskView {
  success: boolean | null;
  task_id: string;
  status: TaskStatus;
  session_id: string | null;
  result: string | null;
  exit_code: number | null;
  elapsed_seconds: number;
  usage: AgentUsage | null;
  /** Where the agent reports what the run cost. */
  cost_usd?: number;
  agent: string;
  /** Read-only tasks: what kept the agent from writing (sandbox, deny-tools, or audit only). */
  readonly_enforcement?: "sandbox" | "deny-tools" | "audit";
  error: string | null;
  topic: string;
  sandbox: string;
  cwd: string;
  run_dir: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  log_file: string;
  task_dir: string;
  worktree_dir?: string;
  agent_branch?: string;
  base_branch?: string | null;
  base_commit?: string;
  diff_stat?: string;
  commits_ahead?: number;
  files_changed?: number;
  insertions?: number;
  deletions?: number;
  tmux_session?: string;
  attach_command?: string;
  host?: string;
  /** The host has not answered since then; the task still runs there as far as anyone knows. */
  host_unreachable_since?: string;
  ran_in_place?: boolean;
  note?: string;
  readonly_audit?: unknown;
  last_activity?: string;
  /** Why the last blocking call on this task ended before it did (a client timeout, a disconnect). */
  call_ended?: string;
  /** Active tasks: seconds since the agent last printed anything (since it started, before that). */
  idle_seconds?: number;
  recent_events?: string[];
  log_tail?: string[];
  previous_runs?: number;
  queue_position?: number;
  port?: number;
  /** A store file of the task is damaged: which, why, what can be recovered. */
  damage?: { files: { file: string; problem: string }[]; recoverable: string[]; hint: string };
  /** The status is computed, not yet recorded (the state directory is full). */
  unrecorded?: string;
}

export interface ViewOptions {
  readonly layout: Layout;
  readonly driver: AgentDriver;
  readonly hosts: HostResolver;
  /** Include recent events and the transcript tail (single-task status of a running task). */
  readonly details?: boolean;
  readonly previousRuns?: number;
}

function placement(obs: Observation, hosts: HostResolver) {
  const { meta } = obs;
  const attach = hosts.hostOf(meta).attachCommand(meta);
  return {
    ...(meta.git
      ? {
          worktree_dir: meta.git.worktree_dir,
          agent_branch: meta.git.agent_branch,
          base_branch: meta.git.base_branch,
          base_commit: meta.git.base_commit,
        }
      : {}),
    ...(meta.tmux_session ? { tmux_session: meta.tmux_session } : {}),
    ...(attach ? { attach_command: attach } : {}),
    ...(meta.remote ? { host: meta.remote.host } : {}),
    ...(obs.hostUnreachableSince ? { host_unreachable_since: obs.hostUnreachableSince } : {}),
    ...(meta.ran_in_place ? { ran_in_place: true } : {}),
    ...(meta.note ? { note: meta.note } : {}),
    ...(typeof meta.port === "number" ? { port: meta.port } : {}),
  };
}

/**
 * When an active task's agent last printed anything (ms since the epoch): the time its events
 * file last changed, or its start while there is none. undefined for tasks that are not running.
 */
export async function lastOutputAt(obs: Observation, layout: Layout): Promise<number | undefined> {
  if (obs.status !== "running" && obs.status !== "starting") return undefined;
  const since = await fsp
    .stat(layout.file(obs.meta.task_id, "events"))
    .then((st) => st.mtimeMs)
    .catch(() => undefined);
  const started = obs.meta.started_at ?? obs.meta.starting_at ?? obs.meta.created_at;
  return since ?? Date.parse(started);
}

/** Seconds since an active task's agent last printed anything; undefined for tasks that are not running. */
export async function idleSeconds(obs: Observation, layout: Layout): Promise<number | undefined> {
  const from = await lastOutputAt(obs, layout);
  return from === undefined ? undefined : Math.max(0, Math.round((Date.now() - from) / 1000));
}

export function dispatchView(obs: Observation, layout: Layout, hosts: HostResolver): DispatchView {
  const { meta } = obs;
  return {
    task_id: meta.task_id,
    status: obs.status,
    topic: meta.topic,
    agent: meta.agent,
    sandbox: meta.sandbox,
    started_at: meta.created_at,
    log_file: layout.file(meta.task_id, "log"),
    task_dir: layout.taskDir(meta.task_id),
    run_dir: meta.run_dir,
    ...placement(obs, hosts),
    ...(meta.resume_session_id ? { resume_session_id: meta.resume_session_id } : {}),
    hint: `Running in the background. The codex_wait tool of this server with task_ids ["${meta.task_id}"] returns when it ends; its codex_status looks in, its codex_cancel stops it.`,
  };
}

export async function taskView(obs: Observation, opts: ViewOptions): Promise<TaskView> {
  const { meta, result } = obs;
  const eventsFile = opts.layout.file(meta.task_id, "events");
  const logFile = opts.layout.file(meta.task_id, "log");
  const view: TaskView = {
    success: result ? result.success : null,
    task_id: meta.task_id,
    status: obs.status,
    session_id:
      result?.session_id ??
      (await sessionIdFromEvents(opts.driver, eventsFile)) ??
      meta.preset_session_id ??
      meta.resume_session_id,
    result: result?.result ?? null,
    exit_code: result?.exit_code ?? null,
    elapsed_seconds: result ? result.elapsed_seconds : meta.started_at ? secondsBetween(meta.started_at) : 0,
    usage: result?.usage ?? null,
    ...(typeof result?.cost_usd === "number" ? { cost_usd: result.cost_usd } : {}),
    agent: meta.agent,
    ...(meta.readonly_enforcement ? { readonly_enforcement: meta.readonly_enforcement } : {}),
    error: result?.error ?? null,
    topic: meta.topic,
    sandbox: meta.sandbox,
    cwd: meta.cwd,
    run_dir: meta.run_dir,
    created_at: meta.created_at,
    started_at: meta.started_at,
    finished_at: result?.finished_at ?? null,
    log_file: logFile,
    task_dir: opts.layout.taskDir(meta.task_id),
    ...placement(obs, opts.hosts),
  };
  if (result) {
    if (result.diff_stat !== undefined) {
      view.diff_stat = result.diff_stat;
      view.commits_ahead = result.commits_ahead ?? 0;
      view.files_changed = result.files_changed ?? 0;
      view.insertions = result.insertions ?? 0;
      view.deletions = result.deletions ?? 0;
    }
    if (result.readonly_audit !== undefined) view.readonly_audit = result.readonly_audit;
  }
  if (obs.damage) {
    view.damage = {
      files: [...obs.damage.files],
      recoverable: [...obs.damage.recoverable],
      hint: `codex_cleanup(task_id="${meta.task_id}") moves this run into the task's history/ (nothing is deleted); dispatching the topic again starts a fresh run.`,
    };
    view.error ??= obs.damage.files.map((f) => `${f.file} is damaged: ${f.problem}`).join("; ");
  }
  if (obs.unrecorded) view.unrecorded = obs.unrecorded;
  const idle = await idleSeconds(obs, opts.layout);
  if (idle !== undefined) view.idle_seconds = idle;
  if (opts.details) {
    const running = !isTerminal(obs.status);
    // The transcript is written from the events, so read it first: the events read after it
    // hold every event it says again.
    const transcript = running ? await tailLines(logFile, 20) : [];
    const events = await recentEvents(opts.driver, eventsFile, 10);
    if (events.length > 0) view.last_activity = events[events.length - 1];
    if (running) {
      view.recent_events = events;
      // The transcript says each event again ("[12:00:01] running: npm test"); only what the
      // events do not (command output, setup lines, whole messages) is worth its bytes.
      const said = new Set(events);
      const tail = transcript.filter((l) => !said.has(l.replace(/^\[\d\d:\d\d:\d\d\] /, "")));
      if (tail.length > 0) view.log_tail = tail;
    }
    if (opts.previousRuns) view.previous_runs = opts.previousRuns;
    const calls = await tailLines(opts.layout.file(meta.task_id, "calls"), 1);
    const note = lastNote(calls[0]);
    if (note) view.call_ended = note;
  }
  return view;
}

function lastNote(line: string | undefined): string | undefined {
  if (!line) return undefined;
  try {
    const note = (JSON.parse(line) as { note?: unknown }).note;
    return typeof note === "string" ? note : undefined;
  } catch {
    return undefined; // a line being written
  }
}
