import type { AgentErrorCause, AgentEvent, AgentUsage } from "./agent-events.js";
import { describeEvent } from "./describe.js";

export interface RunSummaryData {
  readonly sessionId: string | null;
  readonly result: string | null;
  readonly usage: AgentUsage | null;
  readonly costUsd: number | null;
  /** The model the agent said it used (agents that say so in their stream). */
  readonly model: string | null;
  /** Why the agent said its turn failed (its own words), if it did. */
  readonly turnFailed: string | null;
  readonly lastError: string | null;
  /** The cause of the last fatal error, when the driver could tell. */
  readonly errorCause: AgentErrorCause | null;
  readonly lastActivity: string | null;
  /** Model-connection retries in a row (reset by any real progress). */
  readonly retriesInARow: number;
  readonly counts: { events: number; commands: number; fileChanges: number; messages: number };
}

/** The summary of a run in which the agent never started. */
export const EMPTY_SUMMARY: RunSummaryData = {
  sessionId: null,
  result: null,
  usage: null,
  costUsd: null,
  model: null,
  turnFailed: null,
  lastError: null,
  errorCause: null,
  lastActivity: null,
  retriesInARow: 0,
  counts: { events: 0, commands: 0, fileChanges: 0, messages: 0 },
};

const USAGE_FIELDS = [
  "input_tokens",
  "cached_input_tokens",
  "output_tokens",
  "reasoning_output_tokens",
  "total_tokens",
] as const;

function addUsage(into: AgentUsage | null, more: AgentUsage): AgentUsage {
  const sum: AgentUsage = { ...(into ?? {}) };
  for (const f of USAGE_FIELDS) {
    const v = more[f];
    if (typeof v === "number") sum[f] = (sum[f] ?? 0) + v;
  }
  return sum;
}

/**
 * Folds normalized events into what a result needs, in constant memory: a multi-hour run can
 * emit gigabytes of events, and only the summary is kept. The result text is the message the
 * driver marked final, else the last message.
 */
export class RunSummary {
  private sessionId: string | null = null;
  private lastMessage: string | null = null;
  private finalMessage: string | null = null;
  private usage: AgentUsage | null = null;
  private costUsd: number | null = null;
  private model: string | null = null;
  private turnFailed: string | null = null;
  private lastError: string | null = null;
  private errorCause: AgentErrorCause | null = null;
  private lastActivity: string | null = null;
  private retriesInARow = 0;
  private readonly counts = { events: 0, commands: 0, fileChanges: 0, messages: 0 };

  push(event: AgentEvent): void {
    this.counts.events++;
    const activity = describeEvent(event);
    if (activity) this.lastActivity = activity;
    if (event.kind === "retry") this.retriesInARow++;
    else if (event.kind !== "error" && event.kind !== "usage") this.retriesInARow = 0;
    switch (event.kind) {
      case "session":
        this.sessionId = event.session_id || this.sessionId;
        if (event.model) this.model = event.model;
        break;
      case "message":
        this.counts.messages++;
        this.lastMessage = event.text;
        if (event.final) this.finalMessage = event.text;
        break;
      case "command":
        if (event.phase === "completed") this.counts.commands++;
        break;
      case "file_change":
        this.counts.fileChanges++;
        break;
      case "usage":
        this.usage = event.cumulative ? { ...event.usage } : addUsage(this.usage, event.usage);
        if (typeof event.cost_usd === "number")
          this.costUsd = event.cumulative ? event.cost_usd : (this.costUsd ?? 0) + event.cost_usd;
        break;
      case "error":
        this.lastError = event.message;
        if (event.fatal) this.errorCause = event.cause ?? "other";
        break;
      case "turn_completed":
        if (!event.ok) this.turnFailed = event.error ?? "the turn failed";
        break;
    }
  }

  data(): RunSummaryData {
    return {
      sessionId: this.sessionId,
      result: this.finalMessage ?? this.lastMessage,
      usage: this.usage,
      costUsd: this.costUsd,
      model: this.model,
      turnFailed: this.turnFailed,
      lastError: this.lastError,
      errorCause: this.errorCause,
      lastActivity: this.lastActivity,
      retriesInARow: this.retriesInARow,
      counts: { ...this.counts },
    };
  }
}
