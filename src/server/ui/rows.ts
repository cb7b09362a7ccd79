import path from "node:path";
import { isTerminal, type TaskStatus } from "../../core/types.js";
import type { Observation } from "../../lifecycle/observe.js";
import type { TaskManager } from "../../tasks/manager.js";
import { secondsBetween } from "../../util/time.js";

/** One task on the board: what a person scans a list of tasks for. */
export interface BoardRow {
  readonly task_id: string;
  readonly topic: string;
  readonly status: TaskStatus;
  readonly agent: string;
  readonly sandbox: string;
  /** The repository (its checkout's root) or, outside git, the directory it ran in. */
  readonly repo: string;
  readonly repo_name: string;
  /** Where it runs, when not on this machine (remote hosts). */
  readonly host?: string;
  /** Since when its host cannot be reached. */
  readonly host_unreachable_since?: string;
  readonly branch: string | null;
  readonly base_branch: string | null;
  readonly created_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly elapsed_seconds: number;
  readonly idle_seconds?: number;
  readonly tokens?: number;
  readonly cost_usd?: number;
  readonly files_changed?: number;
  readonly insertions?: number;
  readonly deletions?: number;
  /** The outcome's first line, or what a running task did last. */
  readonly activity: string;
  readonly queue_position?: number;
  readonly damaged?: boolean;
}

/** The remote host a task runs on (its placement record), undefined for a task on this machine. */
export function remoteHostOf(meta: Observation["meta"]): string | undefined {
  return meta.remote?.host;
}

export async function boardRow(manager: TaskManager, obs: Observation): Promise<BoardRow> {
  const { meta, result } = obs;
  const repo = meta.git?.repo_root ?? meta.cwd;
  const usage = result?.usage;
  const tokens = usage
    ? (usage.total_tokens ?? (usage.input_tokens ?? 0) + (usage.output_tokens ?? 0))
    : undefined;
  let activity = "";
  if (result) activity = (result.error ?? result.result ?? "").split("\n")[0] ?? "";
  else if (obs.status === "running") activity = (await manager.lastActivity(obs).catch(() => "")) ?? "";
  else activity = obs.status;
  const host = remoteHostOf(meta);
  const idle = await manager.idleSeconds(obs);
  const queue = obs.status === "queued" ? await manager.queuePosition(meta.task_id) : undefined;
  return {
    task_id: meta.task_id,
    topic: meta.topic,
    status: obs.status,
    agent: meta.agent,
    sandbox: meta.sandbox,
    repo,
    repo_name: path.basename(repo),
    ...(host ? { host } : {}),
    ...(meta.remote?.unreachable_since ? { host_unreachable_since: meta.remote.unreachable_since } : {}),
    branch: meta.git?.agent_branch ?? null,
    base_branch: meta.git?.base_branch ?? null,
    created_at: meta.created_at,
    started_at: meta.started_at,
    finished_at: result?.finished_at ?? null,
    elapsed_seconds: result ? result.elapsed_seconds : meta.started_at ? secondsBetween(meta.started_at) : 0,
    ...(idle !== undefined ? { idle_seconds: idle } : {}),
    ...(tokens !== undefined ? { tokens } : {}),
    ...(typeof result?.cost_usd === "number" ? { cost_usd: result.cost_usd } : {}),
    ...(result?.diff_stat !== undefined
      ? {
          files_changed: result.files_changed ?? 0,
          insertions: result.insertions ?? 0,
          deletions: result.deletions ?? 0,
        }
      : {}),
    activity: activity.slice(0, 200),
    ...(queue !== undefined ? { queue_position: queue } : {}),
    ...(obs.damage ? { damaged: true } : {}),
  };
}

export interface BoardQuery {
  readonly offset: number;
  readonly limit: number;
  readonly repo?: string | undefined;
  readonly status?: string | undefined;
  readonly agent?: string | undefined;
  readonly host?: string | undefined;
}

export interface Facet {
  readonly value: string;
  readonly label: string;
  readonly count: number;
}

export interface BoardPage {
  readonly total: number;
  readonly matching: number;
  readonly offset: number;
  readonly rows: readonly BoardRow[];
  readonly facets: {
    readonly repo: readonly Facet[];
    readonly status: readonly Facet[];
    readonly agent: readonly Facet[];
    readonly host: readonly Facet[];
  };
  readonly totals: { readonly tokens: number; readonly cost_usd: number; readonly active: number };
}

function facet(rows: readonly BoardRow[], key: (r: BoardRow) => string, label = key): Facet[] {
  const counts = new Map<string, { label: string; count: number }>();
  for (const r of rows) {
    const k = key(r);
    const entry = counts.get(k) ?? { label: label(r), count: 0 };
    entry.count++;
    counts.set(k, entry);
  }
  return [...counts.entries()]
    .map(([value, e]) => ({ value, label: e.label, count: e.count }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
}

/**
 * Every task's row, built at most once a second however many browsers ask (a store of a
 * thousand tasks is observed once, not once per request), and the page of it a browser asked for.
 */
export class BoardRows {
  private cached: { at: number; rows: Promise<BoardRow[]> } | undefined;

  constructor(
    private readonly manager: TaskManager,
    private readonly maxAgeMs = 1000,
  ) {}

  rows(fresh = false): Promise<BoardRow[]> {
    const now = Date.now();
    if (!fresh && this.cached && now - this.cached.at < this.maxAgeMs) return this.cached.rows;
    const rows = this.manager
      .list()
      .then((list) => Promise.all(list.map((obs) => boardRow(this.manager, obs))));
    this.cached = { at: now, rows };
    rows.catch(() => {
      if (this.cached?.rows === rows) this.cached = undefined;
    });
    return rows;
  }

  async page(q: BoardQuery): Promise<BoardPage> {
    const all = await this.rows();
    const matches = (r: BoardRow, skip?: keyof BoardQuery) =>
      (skip === "repo" || !q.repo || r.repo === q.repo) &&
      (skip === "status" || !q.status || statusGroup(r.status) === q.status || r.status === q.status) &&
      (skip === "agent" || !q.agent || r.agent === q.agent) &&
      (skip === "host" || !q.host || (r.host ?? "local") === q.host);
    const matching = all.filter((r) => matches(r));
    let tokens = 0;
    let cost = 0;
    for (const r of matching) {
      tokens += r.tokens ?? 0;
      cost += r.cost_usd ?? 0;
    }
    return {
      total: all.length,
      matching: matching.length,
      offset: q.offset,
      rows: matching.slice(q.offset, q.offset + q.limit),
      // Each filter's choices count the tasks the other filters let through.
      facets: {
        repo: facet(
          all.filter((r) => matches(r, "repo")),
          (r) => r.repo,
          (r) => r.repo_name,
        ),
        status: facet(
          all.filter((r) => matches(r, "status")),
          (r) => r.status,
        ),
        agent: facet(
          all.filter((r) => matches(r, "agent")),
          (r) => r.agent,
        ),
        host: facet(
          all.filter((r) => matches(r, "host")),
          (r) => r.host ?? "local",
        ),
      },
      totals: {
        tokens,
        cost_usd: Math.round(cost * 10_000) / 10_000,
        active: matching.filter((r) => !isTerminal(r.status)).length,
      },
    };
  }
}

/** "active" matches every status of a task that has not ended. */
function statusGroup(status: TaskStatus): string {
  return isTerminal(status) ? "ended" : "active";
}
