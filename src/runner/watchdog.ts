import type { AgentDriver } from "../agents/agent.js";
import type { AgentErrorCause, AgentEvent } from "../core/agent-events.js";
import type { RunSummary } from "../core/summary.js";
import { formatDuration } from "../util/time.js";
import type { Stopper } from "./stopper.js";

export interface WatchdogLimits {
  /** Stop a run whose agent has retried its model connection this long without progress (0 = off). */
  readonly unreachableSeconds: number;
  /** Stop a run that has printed nothing for this long (0 = off). */
  readonly stallSeconds: number;
}

/**
 * Ends runs that cannot finish, on normalized events only: an agent that cannot reach its model
 * (an "auth" retry at once — credentials do not heal by retrying —, any other retry streak once it
 * has lasted `unreachableSeconds`) and, when a stall limit is set, an agent that has printed
 * nothing for `stallSeconds`. It stops the run through the stopper with the cause in words; the
 * runner records the outcome as for any other stop.
 */
export class Watchdog {
  private unreachableTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private streakStarted = 0;
  private lastRetry: { message: string; cause: AgentErrorCause } | undefined;
  private summary: RunSummary | undefined;

  constructor(
    private readonly limits: WatchdogLimits,
    private readonly driver: AgentDriver,
    private readonly stopper: Stopper,
  ) {}

  /** Starts the stall clock (the agent was just spawned). */
  start(): void {
    this.output();
  }

  stop(): void {
    clearTimeout(this.unreachableTimer);
    clearTimeout(this.stallTimer);
    this.unreachableTimer = undefined;
    this.stallTimer = undefined;
  }

  /** The agent printed something (any line, an event or not). */
  output(): void {
    if (this.limits.stallSeconds <= 0 || this.stopper.reason) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => this.stalled(), this.limits.stallSeconds * 1000);
    this.stallTimer.unref();
  }

  event(event: AgentEvent, summary: RunSummary): void {
    this.summary = summary;
    if (event.kind === "retry") {
      const cause = event.cause ?? "network";
      this.lastRetry = { message: event.message, cause };
      if (cause === "auth") {
        this.give(cause, event.message);
        return;
      }
      if (this.unreachableTimer || this.limits.unreachableSeconds <= 0) return;
      this.streakStarted = Date.now();
      this.unreachableTimer = setTimeout(() => this.unreachable(), this.limits.unreachableSeconds * 1000);
      this.unreachableTimer.unref();
      return;
    }
    // Real progress ends a retry streak (errors and usage lines are not progress), as in RunSummary.
    if (event.kind !== "error" && event.kind !== "usage" && this.unreachableTimer) {
      clearTimeout(this.unreachableTimer);
      this.unreachableTimer = undefined;
    }
  }

  private unreachable(): void {
    this.unreachableTimer = undefined;
    const last = this.lastRetry;
    if (!last) return;
    const lasted = formatDuration((Date.now() - this.streakStarted) / 1000);
    this.give(
      last.cause,
      `${last.message} — still retrying after ${lasted} (limit CODEXMCP_UNREACHABLE_TIMEOUT ${formatDuration(this.limits.unreachableSeconds)})`,
    );
  }

  private give(cause: AgentErrorCause, message: string): void {
    this.stop();
    this.stopper.stop("unreachable", this.driver.explainFailure(cause, message));
  }

  private stalled(): void {
    this.stallTimer = undefined;
    this.stop();
    const lastActivity = this.summary?.data().lastActivity;
    this.stopper.stop(
      "stalled",
      `${this.driver.label} printed nothing for ${formatDuration(this.limits.stallSeconds)} and was stopped (stall limit CODEXMCP_STALL_TIMEOUT)${lastActivity ? `; its last activity: ${lastActivity}` : ""}.`,
    );
  }
}
