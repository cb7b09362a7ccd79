import type { AgentStreamReader } from "../core/agent-events.js";
import { describeEvent } from "../core/describe.js";
import { openReadNoFollow } from "../util/tail.js";
import { formatDuration } from "../util/time.js";

const MAX_READ = 256 * 1024;
/** Idle time is shown from this many seconds on (shorter pauses are ordinary). */
export const IDLE_SHOWN_AFTER_SECONDS = 5;

/**
 * Follows a task's events.jsonl and reports the latest activity: on every new event (at most
 * once a second) and as a heartbeat every `heartbeatMs`, so clients that reset their timeout on
 * progress keep waiting and a person sees what the agent is doing.
 */
export class ProgressReporter {
  private offset = 0;
  private partial = "";
  private latest = "starting the agent";
  private lastSent = 0;
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  /** When the events file last grew (or the reporter started). */
  private lastOutputAt = Date.now();

  constructor(
    private readonly eventsFile: string,
    private readonly reader: AgentStreamReader,
    private readonly send: (progress: number, message: string) => Promise<void>,
    private readonly heartbeatMs: number,
  ) {}

  start(initial?: string): void {
    if (initial) this.latest = initial;
    this.timer = setInterval(() => void this.tick(), 1000);
    this.timer.unref();
    void this.emit();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async readNew(): Promise<boolean> {
    const handle = await openReadNoFollow(this.eventsFile).catch(() => undefined);
    if (!handle) return false;
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return false;
      this.lastOutputAt = Date.now();
      // After a big jump only the newest events matter.
      const start = Math.max(this.offset, size - MAX_READ);
      if (start > this.offset) this.partial = "";
      const buf = Buffer.alloc(size - start);
      await handle.read(buf, 0, buf.length, start);
      this.offset = size;
      const text = this.partial + buf.toString("utf8");
      const lines = text.split("\n");
      this.partial = lines.pop() ?? "";
      let changed = false;
      for (const line of lines) {
        if (!line.trim()) continue;
        for (const event of this.reader.push(line)) {
          const said = describeEvent(event);
          if (said) {
            this.latest = said;
            changed = true;
          }
        }
      }
      return changed;
    } finally {
      await handle.close();
    }
  }

  private async tick(): Promise<void> {
    const changed = await this.readNew().catch(() => false);
    if (changed || Date.now() - this.lastSent >= this.heartbeatMs) await this.emit();
  }

  private async emit(): Promise<void> {
    this.lastSent = Date.now();
    this.count++;
    const elapsed = formatDuration((Date.now() - this.startedAt) / 1000);
    const idle = Math.floor((Date.now() - this.lastOutputAt) / 1000);
    const quiet = idle >= IDLE_SHOWN_AFTER_SECONDS ? ` (idle ${formatDuration(idle)})` : "";
    await this.send(this.count, `[${elapsed}] ${this.latest}${quiet}`).catch(() => undefined);
  }
}
