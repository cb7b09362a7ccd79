import { type FSWatcher, watch } from "node:fs";

export interface WaitOptions {
  /** Give up after this long (undefined: wait until aborted). */
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Directories whose changes trigger an immediate re-check. */
  readonly watch: readonly string[];
  /** Re-check this often regardless (notifications can be missed; runners can die silently). */
  readonly pollMs?: number;
}

/**
 * Resolves with the first defined value of `check`, re-run on every change in the watched
 * directories and every `pollMs`; undefined on timeout or abort. Checks never overlap: a change
 * during a check schedules exactly one more.
 */
export function waitFor<T>(check: () => Promise<T | undefined>, opts: WaitOptions): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const watchers: FSWatcher[] = [];
    let settled = false;
    let running = false;
    let again = false;
    // The deadline never cuts a check short: a value the running check finds still wins, so
    // a zero timeout means "check once and answer".
    let timedOut = false;

    const finish = (value: T | undefined, error?: unknown) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      for (const w of watchers) w.close();
      if (error !== undefined) reject(error);
      else resolve(value);
    };
    const run = async () => {
      if (settled) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          const value = await check();
          if (value !== undefined) return finish(value);
        } while (again && !settled && !timedOut);
      } catch (err) {
        finish(undefined, err);
      } finally {
        running = false;
        if (timedOut) finish(undefined);
      }
    };
    const onTimeout = () => {
      timedOut = true;
      if (!running) finish(undefined);
    };
    const onAbort = () => finish(undefined);

    const poll = setInterval(run, opts.pollMs ?? 1000);
    const timer =
      opts.timeoutMs !== undefined ? setTimeout(onTimeout, Math.max(0, opts.timeoutMs)) : undefined;
    if (opts.signal?.aborted) return finish(undefined);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    for (const dir of opts.watch) {
      try {
        const w = watch(dir, { persistent: false }, () => void run());
        w.on("error", () => w.close());
        watchers.push(w);
      } catch {
        // Directory missing or out of inotify watches: polling covers it.
      }
    }
    void run();
  });
}
