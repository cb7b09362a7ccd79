import { existsSync } from "node:fs";

/**
 * cancel: a requested cancel; timeout: the wall-clock limit; signal: any other signal;
 * unreachable: the agent cannot reach its model; stalled: the agent printed nothing for too long.
 */
export type StopReason = "cancel" | "timeout" | "signal" | "unreachable" | "stalled";

/** Why the runner was asked to stop, first reason wins. */
export class Stopper {
  readonly controller = new AbortController();
  reason: StopReason | undefined;
  detail = "";

  stop(reason: StopReason, detail: string): void {
    if (this.reason) return;
    this.reason = reason;
    this.detail = detail;
    this.controller.abort();
  }
}

/**
 * Turns SIGTERM/SIGINT/SIGHUP into a recorded stop instead of the default sudden death. The
 * runner installs this before it loads anything else: a cancel may arrive in its first
 * milliseconds, and a runner killed by the default action leaves no result behind.
 * `cancelFile` tells a requested cancel (codex_cancel writes it first) from any other signal.
 */
export function stopOnSignals(cancelFile: string, stopper = new Stopper()): Stopper {
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    process.on(sig, () => stopper.stop(existsSync(cancelFile) ? "cancel" : "signal", sig));
  }
  return stopper;
}
