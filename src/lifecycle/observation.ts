import type { RunnerRecord, TaskMeta, TaskResult, TaskStatus } from "../core/types.js";
import type { Damage } from "./damaged.js";

/** A task's state as an observer found it (lifecycle/observe.ts, lifecycle/remote-observe.ts). */
export interface Observation {
  readonly meta: TaskMeta;
  readonly result: TaskResult | undefined;
  readonly runner: RunnerRecord | undefined;
  readonly status: TaskStatus;
  /** This observation found the runner dead and recorded the outcome (a queue slot freed up). */
  readonly recovered?: boolean;
  /** A store file of the task is damaged: which, why, and what can be recovered. */
  readonly damage?: Damage;
  /** The outcome could not be recorded (the disk is full): this status is computed, not stored. */
  readonly unrecorded?: string;
  /** A remote task whose host does not answer (since then); it still counts as running. */
  readonly hostUnreachableSince?: string;
}
