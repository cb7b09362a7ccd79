import { promises as fsp } from "node:fs";
import path from "node:path";
import type { AgentUsage } from "../core/agent-events.js";
import { TASK_FILES } from "../core/layout.js";
import { upgradeMeta } from "../core/meta-compat.js";
import type { TaskStore } from "../core/store.js";
import type { TaskMeta, TaskResult } from "../core/types.js";
import { readCheckedIfExists } from "../core/validated.js";
import { BUILT_IN_PRICES, estimateCost, PRICES_AS_OF, type Price, priceOf } from "./prices.js";

/**
 * Tokens and cost of the tasks in the store, per task, per repository and per day, for
 * `codexmcp usage` and the web board. Only meta.json and result.json are read (of every run,
 * including the earlier runs of a topic under history/), never an events file: a store of a
 * thousand tasks is summed in a blink. Tasks still running have no result yet and do not count;
 * tasks past the retention period are gone from the store and from these totals.
 */

/** Where a run's dollar figure comes from. */
export type CostSource = "reported" | "estimated" | "unknown";

export interface UsageRun {
  readonly task_id: string;
  readonly created_at: string;
  readonly finished_at: string;
  /** The local calendar day the run ended on (YYYY-MM-DD, in the process's time zone). */
  readonly day: string;
  /** The repository's root (the directory, when the task ran outside a repository). */
  readonly repo: string;
  readonly agent: string;
  /** The model the agent said it used, else the one the dispatch asked for; null: the agent's default. */
  readonly model: string | null;
  readonly status: string;
  readonly input_tokens: number;
  readonly cached_input_tokens: number;
  readonly output_tokens: number;
  readonly reasoning_output_tokens: number;
  readonly total_tokens: number;
  /** null: the agent reported no cost and the model has no price. */
  readonly cost_usd: number | null;
  readonly cost_source: CostSource;
}

export interface UsageTotals {
  readonly runs: number;
  readonly input_tokens: number;
  readonly cached_input_tokens: number;
  readonly output_tokens: number;
  readonly reasoning_output_tokens: number;
  readonly total_tokens: number;
  /** reported_usd + estimated_usd. */
  readonly cost_usd: number;
  /** What the agents reported themselves. */
  readonly reported_usd: number;
  /** What the price table says the other runs' tokens cost. */
  readonly estimated_usd: number;
  /** Runs whose cost is not known (no reported cost, no price for the model). */
  readonly unpriced_runs: number;
}

export interface UsageReport {
  /** Runs that ended at or after this time count (null: all). */
  readonly since: string | null;
  readonly repo: string | null;
  readonly time_zone: string;
  readonly prices_as_of: string;
  readonly runs: readonly UsageRun[];
  /** Newest first; `agent`/`model`/`repo` of the task's latest run. */
  readonly tasks: readonly (UsageTotals & {
    readonly task_id: string;
    readonly repo: string;
    readonly agent: string;
    readonly model: string | null;
    readonly last_finished_at: string;
  })[];
  /** Most expensive first. */
  readonly repos: readonly (UsageTotals & { readonly repo: string; readonly tasks: number })[];
  /** Newest first. */
  readonly days: readonly (UsageTotals & { readonly day: string; readonly tasks: number })[];
  readonly total: UsageTotals & { readonly tasks: number };
}

export interface UsageOptions {
  /** Count only runs that ended at or after this time. */
  readonly since?: Date | undefined;
  /** Count only tasks of this repository (any path inside it). */
  readonly repo?: string | undefined;
  /** Prices that add to or override the built-in table (config.yaml usage.prices). */
  readonly prices?: Readonly<Record<string, Price>> | undefined;
}

/** YYYY-MM-DD of a time, in the local time zone. */
export function localDay(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

/**
 * The repository root a directory is in (the nearest ancestor with a .git), remembered per
 * directory. A directory in no repository, or one that is gone, stands for itself.
 */
async function repoOf(dir: string, known: Map<string, string>): Promise<string> {
  const cached = known.get(dir);
  if (cached) return cached;
  const start = path.resolve(dir);
  let found = start;
  const exists = await fsp.stat(start).then(
    () => true,
    () => false,
  );
  for (let at = start; exists; at = path.dirname(at)) {
    if (await fsp.lstat(path.join(at, ".git")).catch(() => undefined)) {
      found = at;
      break;
    }
    if (path.dirname(at) === at) break;
  }
  known.set(dir, found);
  return found;
}

async function readRun(dir: string): Promise<{ meta: TaskMeta; result: TaskResult } | undefined> {
  const [meta, result] = await Promise.all([
    readCheckedIfExists(path.join(dir, TASK_FILES.meta), "meta").catch(() => undefined),
    readCheckedIfExists(path.join(dir, TASK_FILES.result), "result").catch(() => undefined),
  ]);
  // A damaged file is shown by codex_status; its run has no figures to add.
  if (!meta?.ok || !result?.ok) return undefined;
  return { meta: upgradeMeta(meta.value as TaskMeta), result: result.value as TaskResult };
}

/** A task's runs: the current one and those archived under history/ when its topic ran again. */
async function runsOf(taskDir: string) {
  const dirs = [taskDir];
  const history = path.join(taskDir, TASK_FILES.history);
  for (const name of await fsp.readdir(history).catch(() => [] as string[]))
    dirs.push(path.join(history, name));
  return (await Promise.all(dirs.map(readRun))).filter((r) => r !== undefined);
}

const count = (usage: AgentUsage | null | undefined, field: keyof AgentUsage) => {
  const v = usage?.[field];
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0;
};

function costOf(
  meta: TaskMeta,
  result: TaskResult,
  model: string | null,
  prices: Readonly<Record<string, Price>>,
): { cost_usd: number | null; cost_source: CostSource } {
  if (typeof result.cost_usd === "number" && Number.isFinite(result.cost_usd))
    return { cost_usd: result.cost_usd, cost_source: "reported" };
  const price = model ? priceOf(model, prices) : undefined;
  if (!price || !result.usage) return { cost_usd: null, cost_source: "unknown" };
  return { cost_usd: estimateCost(meta.agent, result.usage, price), cost_source: "estimated" };
}

function emptyTotals() {
  return {
    runs: 0,
    input_tokens: 0,
    cached_input_tokens: 0,
    output_tokens: 0,
    reasoning_output_tokens: 0,
    total_tokens: 0,
    cost_usd: 0,
    reported_usd: 0,
    estimated_usd: 0,
    unpriced_runs: 0,
  };
}

function add(into: ReturnType<typeof emptyTotals>, run: UsageRun): void {
  into.runs++;
  into.input_tokens += run.input_tokens;
  into.cached_input_tokens += run.cached_input_tokens;
  into.output_tokens += run.output_tokens;
  into.reasoning_output_tokens += run.reasoning_output_tokens;
  into.total_tokens += run.total_tokens;
  if (run.cost_source === "reported") into.reported_usd += run.cost_usd ?? 0;
  else if (run.cost_source === "estimated") into.estimated_usd += run.cost_usd ?? 0;
  else into.unpriced_runs++;
  into.cost_usd = into.reported_usd + into.estimated_usd;
}

/** Sums per key, counting distinct tasks too. */
function group<K extends string>(runs: readonly UsageRun[], keyOf: (r: UsageRun) => string, name: K) {
  const groups = new Map<string, ReturnType<typeof emptyTotals> & { ids: Set<string> }>();
  for (const run of runs) {
    const key = keyOf(run);
    const g = groups.get(key) ?? { ...emptyTotals(), ids: new Set<string>() };
    groups.set(key, g);
    add(g, run);
    g.ids.add(run.task_id);
  }
  return [...groups].map(([key, { ids, ...totals }]) => ({
    [name]: key,
    tasks: ids.size,
    ...totals,
  })) as (UsageTotals & {
    tasks: number;
  } & Record<K, string>)[];
}

export async function usageReport(store: TaskStore, opts: UsageOptions = {}): Promise<UsageReport> {
  const prices = { ...BUILT_IN_PRICES, ...(opts.prices ?? {}) };
  const repos = new Map<string, string>();
  const onlyRepo = opts.repo
    ? await repoOf(await fsp.realpath(opts.repo).catch(() => opts.repo ?? ""), repos)
    : undefined;
  const since = opts.since?.getTime();
  const ids = await store.listIds();
  const runs: UsageRun[] = [];
  // A few at a time: each task is two or three small reads.
  for (let i = 0; i < ids.length; i += 32) {
    const batch = ids.slice(i, i + 32).map((id) => runsOf(store.layout.taskDir(id)));
    for (const taskRuns of await Promise.all(batch)) {
      for (const { meta, result } of taskRuns) {
        const finished = Date.parse(result.finished_at);
        if (since !== undefined && !(finished >= since)) continue;
        const repo = meta.git?.repo_root ?? (await repoOf(meta.cwd, repos));
        if (onlyRepo !== undefined && repo !== onlyRepo) continue;
        const model = result.model ?? meta.model ?? null;
        const u = result.usage;
        const input = count(u, "input_tokens");
        const output = count(u, "output_tokens");
        runs.push({
          task_id: meta.task_id,
          created_at: meta.created_at,
          finished_at: result.finished_at,
          day: Number.isFinite(finished) ? localDay(new Date(finished)) : "unknown",
          repo,
          agent: meta.agent,
          model,
          status: result.status,
          input_tokens: input,
          cached_input_tokens: count(u, "cached_input_tokens"),
          output_tokens: output,
          reasoning_output_tokens: count(u, "reasoning_output_tokens"),
          total_tokens: count(u, "total_tokens") || input + output,
          ...costOf(meta, result, model, prices),
        });
      }
    }
  }
  runs.sort((a, b) => b.finished_at.localeCompare(a.finished_at));
  const latest = new Map<string, UsageRun>();
  for (const run of runs) if (!latest.has(run.task_id)) latest.set(run.task_id, run);
  const tasks = group(runs, (r) => r.task_id, "task_id").map((t) => {
    const last = latest.get(t.task_id) as UsageRun;
    const { tasks: _one, ...totals } = t;
    return {
      ...totals,
      repo: last.repo,
      agent: last.agent,
      model: last.model,
      last_finished_at: last.finished_at,
    };
  });
  const total = { ...emptyTotals(), tasks: latest.size };
  for (const run of runs) add(total, run);
  return {
    since: opts.since ? opts.since.toISOString() : null,
    repo: onlyRepo ?? null,
    time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    prices_as_of: PRICES_AS_OF,
    runs,
    tasks: tasks.sort((a, b) => b.last_finished_at.localeCompare(a.last_finished_at)),
    repos: group(runs, (r) => r.repo, "repo").sort(
      (a, b) => b.cost_usd - a.cost_usd || b.total_tokens - a.total_tokens,
    ),
    days: group(runs, (r) => r.day, "day").sort((a, b) => b.day.localeCompare(a.day)),
    total,
  };
}
