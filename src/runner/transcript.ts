import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { describeUsage } from "../core/describe.js";
import type { TranscriptSink } from "../core/runner-hooks.js";
import type { TaskResult } from "../core/types.js";
import { formatDuration } from "../util/time.js";

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

/**
 * The human-readable account of a run: appended to codex-exec.log and, when the runner has a
 * terminal (the tmux pane), shown there too.
 */
export class Transcript implements TranscriptSink {
  private readonly file: WriteStream;
  private tty: NodeJS.WriteStream | undefined;

  constructor(logFile: string, tty: NodeJS.WriteStream | undefined) {
    this.file = createWriteStream(logFile, { flags: "a", mode: 0o600 });
    this.file.on("error", () => undefined); // a full disk costs transcript lines, not the run
    this.tty = tty;
    // A pane that is gone (its tmux session killed) fails writes with EIO: without a listener
    // that error would end the runner before it records the outcome.
    tty?.on("error", () => {
      this.tty = undefined;
    });
  }

  line(text: string): void {
    const stamped = `[${clock()}] ${text}\n`;
    this.file.write(stamped);
    this.tty?.write(stamped);
  }

  lines(texts: readonly string[]): void {
    for (const t of texts) this.line(t);
  }

  /** Raw text (setup command output), written as is. */
  raw(text: string): void {
    this.file.write(text);
    this.tty?.write(text);
  }

  /** Resolves once every line written so far has reached the file (or failed to). */
  flush(): Promise<void> {
    if (this.file.destroyed || this.file.writableEnded) return Promise.resolve();
    // Writes complete in order, so the callback of an empty write comes after all earlier ones.
    return new Promise((resolve) => this.file.write("", () => resolve()));
  }

  async close(): Promise<void> {
    if (this.file.destroyed) return;
    this.file.end();
    await once(this.file, "close").catch(() => undefined);
  }
}

/** The transcript's last lines: how the task ended, its error, its diff. */
export function closingLines(r: TaskResult): string[] {
  const lines = [
    `task ${r.status}${r.exit_code !== null ? ` (exit ${r.exit_code})` : ""} after ${formatDuration(r.elapsed_seconds)}${r.usage ? ` · ${describeUsage(r.usage, r.cost_usd)}` : ""}`,
  ];
  if (r.error) lines.push(`error: ${r.error}`);
  if (r.diff_stat !== undefined)
    lines.push(`diff: ${r.diff_stat || "no changes"} · ${r.commits_ahead ?? 0} commit(s) ahead`);
  return lines;
}
