/**
 * At most `limit` holders per key at once in this process; the others wait in call order. For
 * work that may run side by side but not all at once (checkouts into one repository: each git
 * process keeps a core busy, and 32 at once would make every dispatch wait for the whole burst).
 */
export class Slots {
  private readonly busy = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly limit: number) {}

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    if ((this.busy.get(key) ?? 0) >= this.limit) {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(key) ?? [];
        queue.push(resolve);
        this.waiting.set(key, queue);
      });
    } else this.busy.set(key, (this.busy.get(key) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next waiter, if any; otherwise it is given back.
      const next = this.waiting.get(key)?.shift();
      if (next) next();
      else {
        const left = (this.busy.get(key) ?? 1) - 1;
        if (left > 0) this.busy.set(key, left);
        else this.busy.delete(key);
        this.waiting.delete(key);
      }
    }
  }
}
