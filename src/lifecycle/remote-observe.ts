import { promises as fsp } from "node:fs";
import path from "node:path";
import { buildResult } from "../core/result.js";
import type { TaskStore } from "../core/store.js";
import { EMPTY_SUMMARY } from "../core/summary.js";
import { isTerminal, type TaskMeta, type TaskResult, type TaskStatus } from "../core/types.js";
import { placeBranch } from "../git/fetch-back.js";
import { fetchBundle } from "../git/snapshot.js";
import {
  bundleRef,
  type CleanupReply,
  type CollectReply,
  type PullReply,
  STREAMS,
} from "../hosts/ssh/protocol.js";
import { RemoteCodexmcp } from "../hosts/ssh/remote-client.js";
import { SshUnreachable } from "../hosts/ssh/ssh.js";
import { placementHost } from "../hosts/ssh/ssh-host.js";
import { errorMessage, UserError } from "../util/errors.js";
import { withLock } from "../util/lock.js";
import { nowIso } from "../util/time.js";
import type { Observation } from "./observation.js";

/**
 * A remote task seen from here: its files are mirrored into the local task directory by byte
 * offset over the host's shared ssh connection (so status, events, logs and waiting read local
 * files as for any task), and when the host has its outcome, the agent branch is fetched back
 * and the outcome recorded here — once: under the task's remote lock, through the write-once
 * result. A host that does not answer leaves the task running, with `host_unreachable_since`.
 */

/** Observations of the last sync, per process: many observers in a second share one ssh call. */
const recent = new Map<string, { at: number; obs: Observation }>();
const inFlight = new Map<string, Promise<Observation>>();
const FRESH_MS = 750;
/** How old a sync may be and still answer while the next one runs. */
const SERVE_MIRROR_MS = 15_000;
/** A placement the host never heard of counts as never started after this long. */
const NEVER_ARRIVED_MS = 60_000;

function activeStatus(meta: TaskMeta): TaskStatus {
  return isTerminal(meta.status) ? "running" : meta.status;
}

/** The task's id on its host (older placement records have none: the same id). */
export function hostTaskId(meta: TaskMeta): string {
  return meta.remote?.task_id ?? meta.task_id;
}

function client(store: TaskStore, meta: TaskMeta): RemoteCodexmcp {
  return new RemoteCodexmcp(placementHost(meta.remote as NonNullable<TaskMeta["remote"]>), store.layout.home);
}

export function observeRemote(
  store: TaskStore,
  meta: TaskMeta,
  opts: { fresh?: boolean } = {},
): Promise<Observation> {
  const key = `${store.layout.home}\0${meta.task_id}`;
  const last = recent.get(key);
  const age = last ? Date.now() - last.at : Number.POSITIVE_INFINITY;
  if (!opts.fresh && last && age < FRESH_MS) return Promise.resolve(last.obs);
  const running = inFlight.get(key);
  // Seen lately: answer from the mirror at local speed while the next sync runs behind it (an
  // answer is at most one sync old; an outcome is read from result.json before this is asked).
  if (!opts.fresh && last && age < SERVE_MIRROR_MS) {
    if (!running) void startSync(store, meta, key).catch(() => undefined);
    return Promise.resolve(last.obs);
  }
  if (running) return running;
  return startSync(store, meta, key);
}

function startSync(store: TaskStore, meta: TaskMeta, key: string): Promise<Observation> {
  const sync = withLock(
    path.join(store.layout.locksDir, `remote-${meta.task_id}`),
    () => syncRemote(store, meta),
    {
      waitMs: 120_000,
    },
  )
    .then((obs) => {
      recent.set(key, { at: Date.now(), obs });
      return obs;
    })
    .finally(() => inFlight.delete(key));
  inFlight.set(key, sync);
  return sync;
}

async function localSize(file: string): Promise<number> {
  return (await fsp.stat(file).catch(() => undefined))?.size ?? 0;
}

async function syncRemote(store: TaskStore, stale: TaskMeta): Promise<Observation> {
  const id = stale.task_id;
  const settled = await store.readResult(id);
  const meta = (await store.readMeta(id)) ?? stale;
  if (settled) return { meta, result: settled, runner: undefined, status: settled.status };
  const remote = client(store, meta);
  let reply: PullReply;
  try {
    for (;;) {
      const offsets = Object.fromEntries(
        await Promise.all(STREAMS.map(async (s) => [s, await localSize(store.layout.file(id, s))] as const)),
      ) as Record<(typeof STREAMS)[number], number>;
      reply = (await remote.call<PullReply>("pull", { task_id: hostTaskId(meta), offsets })).header;
      let more = false;
      for (const s of STREAMS) {
        const bytes = Buffer.from(reply.chunks[s] ?? "", "base64");
        if (bytes.length > 0) await fsp.appendFile(store.layout.file(id, s), bytes, { mode: 0o600 });
        if ((reply.sizes[s] ?? 0) > offsets[s] + bytes.length) more = true;
      }
      if (!more) break;
    }
  } catch (err) {
    if (err instanceof SshUnreachable) return unreachable(store, meta);
    if (err instanceof UserError && /No task \S+ exists/.test(err.message))
      return neverArrived(store, meta, err);
    throw err;
  }
  const fresh =
    (await store.updateMeta(id, (m) => {
      const r = m.remote as NonNullable<TaskMeta["remote"]>;
      r.unreachable_since = null;
      r.dispatched_at ??= nowIso();
      if (!isTerminal(reply.status)) m.status = reply.status;
      if (reply.started_at) m.started_at ??= reply.started_at;
    })) ?? meta;
  if (!reply.result) return { meta: fresh, result: undefined, runner: undefined, status: reply.status };
  let note: string | null = null;
  let state: string | null = null;
  try {
    ({ note, state } = await collect(fresh, remote));
  } catch (err) {
    if (err instanceof SshUnreachable) return unreachable(store, fresh);
    note = `The agent branch could not be brought back from host ${fresh.remote?.host}: ${errorMessage(err)}`;
  }
  const result: TaskResult = { ...reply.result, task_id: id };
  await store.updateMeta(id, (m) => {
    const r = m.remote as NonNullable<TaskMeta["remote"]>;
    r.collected_at = nowIso();
    r.collect_note = note;
    r.collected_state = state;
    if (note) Object.assign(m, { note });
  });
  await store.finalize(result);
  const after = (await store.readMeta(id)) ?? fresh;
  return { meta: after, result, runner: undefined, status: result.status };
}

/** Brings the agent branch (and the host worktree's uncommitted files) into the user's repository. */
async function collect(
  meta: TaskMeta,
  remote: RemoteCodexmcp,
): Promise<{ note: string | null; state: string | null }> {
  const g = meta.git;
  if (!g) return { note: null, state: null };
  const id = meta.task_id;
  const there = hostTaskId(meta);
  const have = [g.base_commit];
  const { header, body } = await remote.call<CollectReply>(
    "collect",
    { task_id: there, have },
    { timeoutMs: 10 * 60_000 },
  );
  if (body.length > 0) {
    await fetchBundle(g.repo_root, body, [
      `+${bundleRef(there, "head")}:${bundleRef(id, "head")}`,
      `+${bundleRef(there, "state")}:${bundleRef(id, "state")}`,
    ]);
  }
  const placed = await placeBranch({
    repo: g.repo_root,
    worktree: g.worktree_dir,
    branch: g.agent_branch,
    head: header.head,
    state: header.state,
  }).catch((err: unknown) => ({ placed: false, note: `${errorMessage(err)}` }));
  return { note: placed.note ?? null, state: header.state };
}

async function unreachable(store: TaskStore, meta: TaskMeta): Promise<Observation> {
  const since = meta.remote?.unreachable_since ?? nowIso();
  const fresh =
    (await store.updateMeta(meta.task_id, (m) => {
      const r = m.remote as NonNullable<TaskMeta["remote"]>;
      r.unreachable_since ??= since;
    })) ?? meta;
  return {
    meta: fresh,
    result: undefined,
    runner: undefined,
    status: activeStatus(fresh),
    hostUnreachableSince: fresh.remote?.unreachable_since ?? since,
  };
}

/** The host has no such task: a dispatch that never got there (or the host's store was wiped). */
async function neverArrived(store: TaskStore, meta: TaskMeta, err: UserError): Promise<Observation> {
  const age = Date.now() - Date.parse(meta.created_at);
  if (!meta.remote?.dispatched_at && age < NEVER_ARRIVED_MS)
    return { meta, result: undefined, runner: undefined, status: "starting" };
  const why = meta.remote?.dispatched_at
    ? `host ${meta.remote.host} no longer has task ${meta.task_id} (its state directory was removed?): ${err.message}`
    : `the task never reached host ${meta.remote?.host} (the dispatch was interrupted); nothing ran there`;
  const result = buildResult(meta, {
    status: "failed",
    exitCode: null,
    signal: null,
    error: why,
    summary: EMPTY_SUMMARY,
    finalizedBy: "recovery",
  });
  await store.finalize(result);
  return { meta: (await store.readMeta(meta.task_id)) ?? meta, result, runner: undefined, status: "failed" };
}

/** codex_cancel of a remote task: the host's own cancel, then its outcome brought back here. */
export async function cancelRemote(
  store: TaskStore,
  meta: TaskMeta,
  why: { by?: string | undefined; reason?: string | undefined },
  opts: { abandon?: boolean } = {},
): Promise<Observation> {
  try {
    await client(store, meta).call(
      "cancel",
      {
        task_id: hostTaskId(meta),
        by: why.by ?? "codex_cancel",
        ...(why.reason ? { reason: why.reason } : {}),
      },
      {
        timeoutMs: 60_000,
      },
    );
  } catch (err) {
    if (err instanceof SshUnreachable) {
      if (opts.abandon) return abandon(store, meta, err);
      throw new UserError(
        `${err.message}: task ${meta.task_id} could not be cancelled and keeps running there. Cancel it again once codexmcp hosts shows ${meta.remote?.host} reachable, or, if the host is gone for good, stop waiting for it: codexmcp cancel ${meta.task_id} --abandon`,
      );
    }
    throw err;
  }
  return observeRemote(store, meta, { fresh: true });
}

/**
 * A person gives up on a task whose host does not answer (gone for good): its outcome here is
 * `cancelled`, saying so, and nothing of it is brought back later (the outcome is written once).
 * The host keeps whatever it has; the sentence says where.
 */
async function abandon(store: TaskStore, meta: TaskMeta, err: SshUnreachable): Promise<Observation> {
  const r = meta.remote;
  const since = r?.unreachable_since ? ` since ${r.unreachable_since}` : "";
  const result = buildResult(meta, {
    status: "cancelled",
    exitCode: null,
    signal: null,
    error: `abandoned by a person (codexmcp cancel --abandon): host ${r?.host} has not answered${since} (${err.why}); nothing of the task was brought back. If the host returns, the task there is ${hostTaskId(meta)}${r?.worktree_dir ? `, its worktree ${r.worktree_dir}` : ""}.`,
    summary: EMPTY_SUMMARY,
    finalizedBy: "cancel",
  });
  await store.finalize(result);
  const settled = (await store.readResult(meta.task_id)) ?? result;
  return {
    meta: (await store.readMeta(meta.task_id)) ?? meta,
    result: settled,
    runner: undefined,
    status: settled.status,
  };
}

/** After the local worktree of a remote task is cleaned up: the host's worktree, by the host's rules. */
export async function cleanupRemote(
  store: TaskStore,
  meta: TaskMeta,
  force: boolean,
): Promise<{ host: string; removed: boolean; reasons: readonly string[] }> {
  const host = meta.remote?.host ?? "?";
  try {
    const { header } = await client(store, meta).call<CleanupReply>("cleanup", {
      task_id: hostTaskId(meta),
      state: meta.remote?.collected_state ?? null,
      force,
    });
    return { host, ...header };
  } catch (err) {
    return {
      host,
      removed: false,
      reasons: [
        `${errorMessage(err)}; the host's worktree stays (call codex_cleanup for ${meta.task_id} again when the host answers)`,
      ],
    };
  }
}
