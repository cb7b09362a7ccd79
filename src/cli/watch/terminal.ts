import { emitKeypressEvents } from "node:readline";

const CSI = "\u001b[";

export interface Key {
  readonly name?: string;
  readonly ctrl?: boolean;
  readonly sequence?: string;
}

/**
 * The terminal while the interactive watch owns it: raw keys (Node's own readline keypress
 * events: arrows, Enter, Esc, letters, Ctrl-C), the alternate screen, no cursor. Keys are handled
 * one at a time, in order: an action finishes before the next key is read.
 */
export class Terminal {
  private queue = Promise.resolve();
  private listener: ((str: string | undefined, key: Key | undefined) => void) | undefined;

  constructor(
    private readonly stdin: NodeJS.ReadStream,
    private readonly out: NodeJS.WriteStream,
  ) {}

  size(): { width: number; height: number } {
    return { width: this.out.columns ?? 120, height: this.out.rows ?? 40 };
  }

  /** Home, each line cleared to its end, then everything below: no flicker, no leftovers. */
  draw(frame: string): void {
    this.out.write(`${CSI}H${frame.replaceAll("\n", `${CSI}K\n`)}${CSI}J`);
  }

  write(text: string): void {
    this.out.write(text);
  }

  open(onKey: (str: string | undefined, key: Key) => Promise<void>, after: () => void): void {
    emitKeypressEvents(this.stdin);
    this.stdin.setRawMode(true);
    this.stdin.resume();
    this.listener = (str, key) => {
      this.queue = this.queue
        .then(() => onKey(str, key ?? { sequence: str }))
        .catch(() => undefined)
        .then(after);
    };
    this.stdin.on("keypress", this.listener);
    this.out.write(`${CSI}?1049h${CSI}?25l`);
  }

  close(): void {
    if (this.listener) this.stdin.off("keypress", this.listener);
    this.out.write(`${CSI}?25h${CSI}?1049l`);
    this.stdin.setRawMode(false);
    this.stdin.pause();
  }

  /** Hands the terminal to another program (tmux attach) while `fn` runs, then takes it back. */
  async lend(fn: () => Promise<void>): Promise<void> {
    this.stdin.pause();
    this.stdin.setRawMode(false);
    this.out.write(`${CSI}?25h${CSI}?1049l`);
    try {
      await fn();
    } finally {
      this.out.write(`${CSI}?1049h${CSI}?25l`);
      this.stdin.setRawMode(true);
      this.stdin.resume();
    }
  }
}
