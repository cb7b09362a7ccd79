import type { RunSummaryData } from "../agents/codex/summary.js";
import type { DiffStat } from "../git/diffstat.js";
import { nowIso, secondsBetween } from "../util/time.js";
import type { TaskMeta, TaskResult, TerminalStatus } from "./types.js";

export interface OutcomeFacts {
  readonly status: TerminalStatus;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly error: string | null;
  readonly summary: RunSummaryData;
  readonly diff?: DiffStat | undefined;
  readonly audit?: unknown;
  readonly finalizedBy: TaskResult["finalized_by"];
  readonly finishedAt?: string;
}

export function buildResult(meta: TaskMeta, facts: OutcomeFacts): TaskResult {
  const finishedAt = facts.finishedAt ?? nowIso();
  const startedAt = meta.started_at ?? meta.created_at;
  const success = facts.status === "completed" && facts.exitCode === 0;
  const { diff } = facts;
  return {
    task_id: meta.task_id,
    status: facts.status,
    success,
    session_id: facts.summary.sessionId ?? meta.resume_session_id,
    result: facts.summary.result,
    exit_code: facts.exitCode,
    signal: facts.signal,
    error: facts.error,
    elapsed_seconds: secondsBetween(startedAt, finishedAt),
    usage: facts.summary.usage,
    started_at: meta.started_at,
    finished_at: finishedAt,
    ...(diff
      ? {
          diff_stat: diff.diff_stat,
          files_changed: diff.files_changed,
          insertions: diff.insertions,
          deletions: diff.deletions,
          commits_ahead: diff.commits_ahead,
          head_commit: diff.head_commit,
        }
      : {}),
    ...(facts.audit !== undefined ? { readonly_audit: facts.audit } : {}),
    finalized_by: facts.finalizedBy,
  };
}

/**
 * Diff stats for a worktree task. A failure (the worktree was removed meanwhile) gives
 * undefined and is reported through `onError`, so the transcript says why stats are missing.
 */
export async function worktreeDiff(
  meta: TaskMeta,
  onError?: (message: string) => void,
): Promise<DiffStat | undefined> {
  if (!meta.git) return undefined;
  try {
    // Loaded here: only worktree tasks need git, and the runner starts faster without it.
    const { diffStat } = await import("../git/diffstat.js");
    return await diffStat(meta.git.worktree_dir, meta.git.base_commit);
  } catch (err) {
    onError?.(`diff stats unavailable: ${err instanceof Error ? err.message.trim() : String(err)}`);
    return undefined;
  }
}
