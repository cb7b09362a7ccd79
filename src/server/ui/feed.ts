import type http from "node:http";
import { journalSize, readJournal } from "../../core/journal.js";
import { isTerminal } from "../../core/types.js";
import type { TaskManager } from "../../tasks/manager.js";
import { errorMessage } from "../../util/errors.js";
import { log } from "../../util/log.js";
import type { BoardRows } from "./rows.js";
import { SseStream } from "./sse.js";

/** How often running tasks' rows (idle time, last activity) are sent again. */
const ACTIVE_REFRESH_MS = 3000;

/**
 * The board's live updates, one feed for every open board: it follows the completion journal
 * (what codex_wait reads) from where it was when the first board opened, notices new task
 * directories, and looks at running tasks every few seconds. Each change goes out as the rows
 * that changed (`rows`), each ending as `ended`. It runs only while a board is open.
 */
export class BoardFeed {
  private readonly streams = new Set<SseStream>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private cursor: number | undefined;
  private ids = "";
  private last = new Map<string, string>();
  private lastRefresh = 0;
  private anyActive = false;

  constructor(
    private readonly manager: TaskManager,
    private readonly board: BoardRows,
    private readonly tickMs = 1000,
  ) {}

  subscribe(res: http.ServerResponse): void {
    const stream = new SseStream(res, () => {
      this.streams.delete(stream);
      if (this.streams.size === 0) this.stop();
    });
    this.streams.add(stream);
    if (!this.timer) this.schedule(0);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err: unknown) => log.debug(`board feed: ${errorMessage(err)}`))
        .finally(() => {
          this.running = undefined;
          if (this.streams.size > 0) this.schedule(this.tickMs);
          else this.timer = undefined;
        });
    }, ms);
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.cursor = undefined;
    this.last = new Map();
    this.ids = "";
  }

  private broadcast(event: string, data: unknown): void {
    for (const s of this.streams) s.send(event, data);
  }

  private async tick(): Promise<void> {
    const journal = this.manager.store.layout.completionsFile;
    const first = this.cursor === undefined;
    if (this.cursor === undefined) this.cursor = await journalSize(journal);
    const { entries, end } = await readJournal(journal, this.cursor);
    this.cursor = end;
    const ids = (await this.manager.store.listIds()).sort().join("\n");
    const idsChanged = ids !== this.ids;
    this.ids = ids;
    const now = Date.now();
    const refresh = this.anyActive && now - this.lastRefresh >= ACTIVE_REFRESH_MS;
    if (!first && entries.length === 0 && !idsChanged && !refresh) return;
    this.lastRefresh = now;
    const rows = await this.board.rows(true);
    const next = new Map(rows.map((r) => [r.task_id, JSON.stringify(r)]));
    if (!first) {
      const changed = rows.filter((r) => this.last.get(r.task_id) !== next.get(r.task_id));
      const removed = [...this.last.keys()].filter((id) => !next.has(id));
      if (changed.length > 0 || removed.length > 0)
        this.broadcast("rows", { changed, removed, total: rows.length, added: idsChanged });
      for (const e of entries)
        this.broadcast("ended", { task_id: e.task_id, status: e.status, created_at: e.created_at });
    }
    this.last = next;
    this.anyActive = rows.some((r) => !isTerminal(r.status));
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.end();
    this.streams.clear();
    this.stop();
    await this.running;
  }
}
