import type { JournalEntry } from "../core/journal.js";
import type { Observation } from "../lifecycle/observe.js";

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
