import path from "node:path";
import { type CancelRequest, cancelSentence } from "../core/cancel-request.js";
import { buildResult } from "../core/result.js";
import type { TaskStore } from "../core/store.js";
import { EMPTY_SUMMARY } from "../core/summary.js";
import { isTerminal, type TaskMeta } from "../core/types.js";
import type { HostResolver } from "../hosts/host.js";
import { LocalHosts } from "../hosts/local/local-hosts.js";
import { errorMessage } from "../util/errors.js";
import { withLock } from "../util/lock.js";
import { nowIso } from "../util/time.js";
import { observeTask } from "./observe.js";
import { allocatePort } from "./ports.js";

/**
 * The machine-wide queue: at most `max_parallel` tasks run at once, across every server process
 * and runner. Queued tasks wait in meta.json (durable across restarts) in dispatch order; whoever
 * frees a slot — a finishing runner, a cancel, crash recovery, a server starting — pumps the
 * queue under one lock, so a task never starts twice.
 */
/** Starting and observing need only what meta.json records of a task's host. */
const hosts: HostResolver = new LocalHosts();

function schedulerLock(store: TaskStore): string {
  return path.join(store.layout.locksDir, "scheduler");
}

interface QueueState {
  readonly running: TaskMeta[];
  /** Oldest first. */
  readonly queued: TaskMeta[];
}

async function queueState(store: TaskStore): Promise<QueueState> {
  const running: TaskMeta[] = [];
  const queued: TaskMeta[] = [];
  const metas = await Promise.all(
    (await store.listIds()).map((id) => store.readMeta(id).catch(() => undefined)),
  );
  // A task on a remote host takes a slot of that host's queue, not of this machine's.
  const active = metas.filter(
    (m): m is TaskMeta => m !== undefined && !isTerminal(m.status) && m.host !== "ssh",
  );
  const observed = await Promise.all(
    active.map((m) => observeTask(store, m.task_id, hosts).catch(() => undefined)),
  );
  for (const obs of observed) {
    if (!obs || isTerminal(obs.status)) continue;
    if (obs.status === "queued") queued.push(obs.meta);
    else running.push(obs.meta);
  }
  queued.sort(
    (a, b) =>
      (a.queued_at ?? a.created_at).localeCompare(b.queued_at ?? b.created_at) ||
      a.task_id.localeCompare(b.task_id),
  );
  return { running, queued };
}

async function start(
  store: TaskStore,
  meta: TaskMeta,
  running: readonly TaskMeta[],
  resolver: HostResolver,
): Promise<void> {
  let port: number | null = null;
  if (meta.port_range) {
    const taken = new Set(running.map((m) => m.port).filter((p): p is number => typeof p === "number"));
    port = (await allocatePort(meta.port_range.from, meta.port_range.to, taken)) ?? null;
    if (port === null) {
      throw new Error(
        `no free port in ${meta.port_range.from}-${meta.port_range.to} (ports in .codexmcp.yaml): every port is held by a running task or in use`,
      );
    }
  }
  // A task its dispatch just recorded as starting, never queued and without a port, is on disk
  // as it would be rewritten (created_at stands in for starting_at): one durable write less.
  const fresh = meta.status === "starting" && !meta.queued_at && !meta.starting_at && port === null;
  const starting = fresh
    ? meta
    : ((await store.updateMeta(meta.task_id, (m) => {
        m.status = "starting";
        m.starting_at = nowIso();
        m.port = port;
      })) ?? meta);
  await resolver.hostOf(starting).launch(store, starting);
}

/** Records that a task could not start (so it does not block the queue) and says why. */
async function failToStart(store: TaskStore, meta: TaskMeta, err: unknown): Promise<void> {
  await store.finalize(
    buildResult(meta, {
      status: "failed",
      exitCode: null,
      signal: null,
      error: `the task could not be started: ${errorMessage(err)}`,
      summary: EMPTY_SUMMARY,
      finalizedBy: "runner",
    }),
  );
}

/**
 * Starts a freshly dispatched task if a slot is free and nothing older is waiting, otherwise
 * queues it. Launch errors propagate (the dispatch is undone by its caller).
 */
export async function scheduleTask(
  store: TaskStore,
  meta: TaskMeta,
  limit: number,
  resolver: HostResolver = hosts,
): Promise<"started" | "queued"> {
  return withLock(schedulerLock(store), async () => {
    const { running, queued } = await queueState(store);
    const others = running.filter((m) => m.task_id !== meta.task_id);
    if (others.length < limit && queued.every((q) => q.task_id === meta.task_id)) {
      await start(store, meta, others, resolver);
      return "started";
    }
    await store.updateMeta(meta.task_id, (m) => {
      m.status = "queued";
      m.queued_at ??= nowIso();
    });
    return "queued";
  });
}

/** Starts queued tasks, oldest first, while slots are free. Returns the ids started. */
export async function pumpQueue(store: TaskStore, resolver: HostResolver = hosts): Promise<string[]> {
  return withLock(schedulerLock(store), async () => {
    const { running, queued } = await queueState(store);
    const started: string[] = [];
    const busy = [...running];
    for (const meta of queued) {
      if (busy.length >= (meta.max_parallel ?? 1)) break;
      try {
        await start(store, meta, busy, resolver);
        started.push(meta.task_id);
        busy.push(meta);
      } catch (err) {
        await failToStart(store, meta, err);
      }
    }
    return started;
  });
}

/** 1-based place in the queue, or undefined when the task is not queued. */
export async function queuePosition(store: TaskStore, taskId: string): Promise<number | undefined> {
  const { queued } = await queueState(store);
  const at = queued.findIndex((m) => m.task_id === taskId);
  return at < 0 ? undefined : at + 1;
}

/** Takes a queued task out of the queue as cancelled; false if it has started meanwhile. */
export async function cancelQueued(
  store: TaskStore,
  taskId: string,
  why?: Pick<CancelRequest, "by" | "reason">,
): Promise<boolean> {
  return withLock(schedulerLock(store), async () => {
    const meta = await store.readMeta(taskId);
    if (meta?.status !== "queued" || (await store.readRunner(taskId))) return false;
    await store.finalize(
      buildResult(meta, {
        status: "cancelled",
        exitCode: null,
        signal: null,
        error: `${cancelSentence(why)} while queued; it never started.`,
        summary: EMPTY_SUMMARY,
        finalizedBy: "cancel",
      }),
    );
    return true;
  });
}
