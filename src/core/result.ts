import { nowIso, secondsBetween } from "../util/time.js";
import type { RunSummaryData } from "./summary.js";
import type { TaskMeta, TaskResult, TerminalStatus } from "./types.js";

/** Diff facts of a worktree task against its base commit. */
export interface DiffFacts {
  readonly diff_stat: string;
  readonly files_changed: number;
  readonly insertions: number;
  readonly deletions: number;
  readonly commits_ahead: number;
  readonly head_commit: string;
}

export interface OutcomeFacts {
  readonly status: TerminalStatus;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly error: string | null;
  readonly summary: RunSummaryData;
  readonly diff?: DiffFacts | undefined;
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
    ...(facts.summary.costUsd !== null ? { cost_usd: facts.summary.costUsd } : {}),
    ...(facts.summary.model ? { model: facts.summary.model } : {}),
    agent: meta.agent,
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
