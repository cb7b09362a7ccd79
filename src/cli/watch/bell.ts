import { journalSize, readJournal } from "../../core/journal.js";
import { isStalled } from "../../tasks/stalls.js";
import { formatDuration } from "../../util/time.js";
import type { WatchRow } from "./frame.js";

const BEL = "\u0007";
const ESC = "\u001b";

export function isControl(c: string): boolean {
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** OSC 9 (a desktop notification in iTerm2, Windows Terminal, kitty, …) with the bell after it. */
export function bellSequence(text: string): string {
  // Control characters would end the sequence early (or start another): keep printable text.
  const clean = [...text]
    .map((c) => (isControl(c) ? " " : c))
    .join("")
    .slice(0, 200);
  return `${ESC}]9;${clean}${BEL}${BEL}`;
}

/**
 * Follows the completion journal from where this `watch` started: each ending rings once. It
 * reads only what was appended since the last look, so it costs nothing while tasks run.
 */
export class EndingBell {
  private cursor: number | undefined;

  constructor(private readonly journal: string) {}

  async start(): Promise<void> {
    this.cursor = await journalSize(this.journal);
  }

  /** The sequences for endings since the last call ("" when none). */
  async ring(): Promise<string> {
    if (this.cursor === undefined) await this.start();
    const { entries, end } = await readJournal(this.journal, this.cursor ?? 0);
    this.cursor = end;
    return entries.map((e) => bellSequence(`codexmcp: ${e.task_id} ${e.status}`)).join("");
  }
}

/**
 * Rings once per stall: when a running task's agent has been silent for the stall threshold
 * (notify.stall_after). The task rings again only after it has printed something and gone
 * quiet again for as long.
 */
export class StallBell {
  private readonly rung = new Set<string>();

  constructor(private readonly afterSeconds: number) {}

  ring(rows: readonly WatchRow[]): string {
    let out = "";
    const stalledNow = new Set<string>();
    for (const { obs, idleSeconds } of rows) {
      if (idleSeconds === undefined || !isStalled(obs, idleSeconds, this.afterSeconds)) continue;
      const key = `${obs.meta.task_id}\0${obs.meta.created_at}`;
      stalledNow.add(key);
      if (this.rung.has(key)) continue;
      this.rung.add(key);
      out += bellSequence(
        `codexmcp: ${obs.meta.task_id} stalled (no output for ${formatDuration(idleSeconds)})`,
      );
    }
    for (const key of this.rung) if (!stalledNow.has(key)) this.rung.delete(key);
    return out;
  }
}
