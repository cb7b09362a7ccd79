import { describeEvent } from "./describe.js";
import { type CodexEvent, type CodexUsage, eventItem } from "./events.js";

export interface RunSummaryData {
  readonly sessionId: string | null;
  readonly result: string | null;
  readonly usage: CodexUsage | null;
  readonly turnFailed: string | null;
  readonly lastError: string | null;
  readonly lastActivity: string | null;
  readonly counts: { events: number; commands: number; fileChanges: number; messages: number };
}

/** The summary of a run in which Codex never started. */
export const EMPTY_SUMMARY: RunSummaryData = {
  sessionId: null,
  result: null,
  usage: null,
  turnFailed: null,
  lastError: null,
  lastActivity: null,
  counts: { events: 0, commands: 0, fileChanges: 0, messages: 0 },
};

/**
 * Folds codex events into what a result needs, in constant memory: a multi-hour run can emit
 * gigabytes of events, and only the summary is kept.
 */
export class RunSummary {
  private sessionId: string | null = null;
  private result: string | null = null;
  private usage: CodexUsage | null = null;
  private turnFailed: string | null = null;
  private lastError: string | null = null;
  private lastActivity: string | null = null;
  private readonly counts = { events: 0, commands: 0, fileChanges: 0, messages: 0 };

  push(event: CodexEvent): void {
    this.counts.events++;
    const activity = describeEvent(event);
    if (activity) this.lastActivity = activity;
    const item = eventItem(event);
    if (item && event.type === "item.completed") {
      if (item.type === "agent_message") {
        this.result = String(item.text ?? "");
        this.counts.messages++;
      } else if (item.type === "command_execution") this.counts.commands++;
      else if (item.type === "file_change") this.counts.fileChanges++;
      return;
    }
    switch (event.type) {
      case "thread.started":
        this.sessionId = String((event as { thread_id?: unknown }).thread_id ?? "") || this.sessionId;
        break;
      case "turn.completed":
        this.usage = ((event as { usage?: CodexUsage }).usage ?? this.usage) as CodexUsage | null;
        break;
      case "turn.failed":
        this.turnFailed = String(
          (event as { error?: { message?: unknown } }).error?.message ?? "turn failed",
        );
        break;
      case "error":
        this.lastError = String((event as { message?: unknown }).message ?? "");
        break;
    }
  }

  data(): RunSummaryData {
    return {
      sessionId: this.sessionId,
      result: this.result,
      usage: this.usage,
      turnFailed: this.turnFailed,
      lastError: this.lastError,
      lastActivity: this.lastActivity,
      counts: { ...this.counts },
    };
  }
}
