import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import type { TranscriptSink } from "../core/runner-hooks.js";

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

/**
 * The human-readable account of a run: appended to codex-exec.log and, when the runner has a
 * terminal (the tmux pane), shown there too.
 */
export class Transcript implements TranscriptSink {
  private readonly file: WriteStream;

  constructor(
    logFile: string,
    private readonly tty: NodeJS.WriteStream | undefined,
  ) {
    this.file = createWriteStream(logFile, { flags: "a", mode: 0o600 });
    this.file.on("error", () => undefined); // a full disk costs transcript lines, not the run
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
