import type { TaskStore } from "./store.js";
import type { RunSummaryData } from "./summary.js";
import type { TaskMeta } from "./types.js";

/** Where the runner writes what a person reads (the log file and the tmux pane). */
export interface TranscriptSink {
  line(text: string): void;
  lines(texts: readonly string[]): void;
  /** Raw text (a setup command's output), written as is. */
  raw(text: string): void;
}

/** How the agent process ended. */
export interface AgentRunOutcome {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly spawnError: string | null;
  readonly stderrTail: string;
  readonly summary: RunSummaryData;
}

export interface RunnerContext {
  readonly store: TaskStore;
  readonly meta: TaskMeta;
  readonly env: Record<string, string>;
  readonly transcript: TranscriptSink;
  readonly signal: AbortSignal;
}

/**
 * What a task needs around its agent run (worktree setup, the read-only audit, starting queued
 * tasks), as hooks the runner calls; defined here so the modules that provide them never
 * import the runner.
 */
export interface RunnerHooks {
  /** Work before the agent starts; throwing fails the task with the message. */
  beforeAgent?: (ctx: RunnerContext) => Promise<void>;
  /** Extra result facts after the agent ends (read-only audit). */
  afterAgent?: (ctx: RunnerContext, outcome: AgentRunOutcome) => Promise<{ audit?: unknown }>;
  /** Runs after the outcome is recorded (start queued tasks). */
  afterFinalize?: (ctx: RunnerContext) => Promise<void>;
}
