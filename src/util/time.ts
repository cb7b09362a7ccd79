export function nowIso(): string {
  return new Date().toISOString();
}

export function secondsBetween(startIso: string, end: Date | string = new Date()): number {
  const endMs = typeof end === "string" ? Date.parse(end) : end.getTime();
  return Math.max(0, Math.round((endMs - Date.parse(startIso)) / 100) / 10);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** "1h02m", "3m05s", "12.3s": compact durations for tables and progress messages. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  return `${m}m${String(sec).padStart(2, "0")}s`;
}
