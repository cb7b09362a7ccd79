import type { JournalEntry } from "../core/journal.js";
import type { Observation } from "../lifecycle/observe.js";
import type { Stall } from "../tasks/stalls.js";
import { formatDuration } from "../util/time.js";

/** What every channel says about a task that ended (the webhook's JSON body). */
export interface TaskEndedPayload {
  readonly event: "task.ended";
  readonly task_id: string;
  readonly status: string;
  readonly success: boolean | null;
  readonly agent: string;
  readonly topic: string;
  readonly sandbox: string;
  readonly cwd: string;
  readonly finished_at: string;
  readonly elapsed_seconds: number | null;
  readonly agent_branch: string | null;
  readonly base_branch: string | null;
  readonly worktree_dir: string | null;
  readonly diff: {
    readonly files_changed: number;
    readonly insertions: number;
    readonly deletions: number;
    readonly commits_ahead: number;
    readonly diff_stat: string;
  } | null;
  readonly usage: { readonly input_tokens?: number; readonly output_tokens?: number } | null;
  readonly cost_usd: number | null;
  readonly error: string | null;
  /** One line for chat (Slack and Mattermost incoming webhooks show `text`). */
  readonly text: string;
}

export function diffWords(d: TaskEndedPayload["diff"]): string {
  if (!d) return "";
  if (d.files_changed === 0) return "no changes";
  return `+${d.insertions} -${d.deletions} in ${d.files_changed} file${d.files_changed === 1 ? "" : "s"}`;
}

export function taskEndedPayload(entry: JournalEntry, obs: Observation | undefined): TaskEndedPayload {
  const meta = obs?.meta;
  const result = obs?.result;
  const diff =
    result?.diff_stat !== undefined
      ? {
          files_changed: result.files_changed ?? 0,
          insertions: result.insertions ?? 0,
          deletions: result.deletions ?? 0,
          commits_ahead: result.commits_ahead ?? 0,
          diff_stat: result.diff_stat,
        }
      : null;
  const base = {
    event: "task.ended" as const,
    task_id: entry.task_id,
    status: obs?.status ?? entry.status,
    success: result ? result.success : null,
    agent: meta?.agent ?? "codex",
    topic: meta?.topic ?? entry.task_id.replace(/^codex-/, ""),
    sandbox: meta?.sandbox ?? "",
    cwd: meta?.cwd ?? "",
    finished_at: entry.finished_at,
    elapsed_seconds: result?.elapsed_seconds ?? null,
    agent_branch: meta?.git?.agent_branch ?? null,
    base_branch: meta?.git?.base_branch ?? null,
    worktree_dir: meta?.git?.worktree_dir ?? null,
    diff,
    usage: result?.usage
      ? { input_tokens: result.usage.input_tokens, output_tokens: result.usage.output_tokens }
      : null,
    cost_usd: typeof result?.cost_usd === "number" ? result.cost_usd : null,
    error: result?.error ?? null,
  };
  const words = [diffWords(diff), base.error ? base.error.split("\n")[0]?.slice(0, 200) : ""].filter(Boolean);
  return { ...base, text: `${base.task_id} ${base.status}${words.length ? `: ${words.join("; ")}` : ""}` };
}

/** What every channel says about a running task whose agent has gone quiet. */
export interface TaskStalledPayload {
  readonly event: "task.stalled";
  readonly task_id: string;
  /** The task's status: it is still running. */
  readonly status: string;
  readonly agent: string;
  readonly topic: string;
  readonly sandbox: string;
  readonly cwd: string;
  /** Seconds since the agent last printed anything, when this was noticed. */
  readonly idle_seconds: number;
  readonly last_output_at: string;
  /** What the agent did last, in one line. */
  readonly last_activity: string | null;
  readonly agent_branch: string | null;
  readonly worktree_dir: string | null;
  /** How to look at it (full-access tasks run in tmux). */
  readonly attach_command: string | null;
  /** The stall limit that will stop it (CODEXMCP_STALL_TIMEOUT), if one is set. */
  readonly stall_timeout_seconds: number | null;
  readonly text: string;
}

/** A notification: a closed union on `event`. */
export type NotifyPayload = TaskEndedPayload | TaskStalledPayload;

export function taskStalledPayload(
  stall: Stall,
  facts: { lastActivity: string | undefined; attachCommand: string | undefined },
): TaskStalledPayload {
  const { meta } = stall.obs;
  const limit = meta.stall_timeout_seconds ?? 0;
  const base = {
    event: "task.stalled" as const,
    task_id: meta.task_id,
    status: stall.obs.status,
    agent: meta.agent,
    topic: meta.topic,
    sandbox: meta.sandbox,
    cwd: meta.cwd,
    idle_seconds: stall.idleSeconds,
    last_output_at: new Date(stall.since).toISOString(),
    last_activity: facts.lastActivity ?? null,
    agent_branch: meta.git?.agent_branch ?? null,
    worktree_dir: meta.git?.worktree_dir ?? null,
    attach_command: facts.attachCommand ?? null,
    stall_timeout_seconds: limit > 0 ? limit : null,
  };
  const last = base.last_activity ? ` (last: ${base.last_activity.split("\n")[0]?.slice(0, 160)})` : "";
  return {
    ...base,
    text: `${base.task_id} stalled: its agent has printed nothing for ${formatDuration(stall.idleSeconds)}${last}`,
  };
}
