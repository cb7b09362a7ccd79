import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

export interface SessionLimits {
  /** Sessions open at once on this server. */
  readonly maxSessions: number;
  /** Sessions one client (remote address) may hold. */
  readonly maxPerClient: number;
  /** A session without a request for this long is closed. */
  readonly idleMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxSessions: 64,
  maxPerClient: 16,
  idleMs: 30 * 60 * 1000,
};

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly server: McpServer;
  readonly client: string;
  lastSeen: number;
  /** Requests (and event streams) still open: a session that has one is not idle. */
  open: number;
}

/**
 * The HTTP server's MCP sessions, bounded: each one holds an McpServer, a transport and file
 * watchers, so a client that keeps initializing must not grow the server without end. Idle
 * sessions are closed; a full server or client is refused (the caller answers 503 / 429).
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  private readonly timer: NodeJS.Timeout;

  constructor(readonly limits: SessionLimits) {
    this.timer = setInterval(
      () => void this.evictIdle(),
      Math.max(1000, Math.min(60_000, limits.idleMs / 2)),
    );
    this.timer.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  add(id: string, session: Omit<Session, "lastSeen" | "open">): void {
    this.sessions.set(id, { ...session, lastSeen: Date.now(), open: 0 });
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  /** Marks a request of the session as started; the returned function marks it finished. */
  track(session: Session): () => void {
    session.open++;
    session.lastSeen = Date.now();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      session.open--;
      session.lastSeen = Date.now();
    };
  }

  /** Why a new session from `client` cannot be opened now (after closing idle ones), if it cannot. */
  async refusal(client: string): Promise<"server" | "client" | undefined> {
    if (this.sessions.size >= this.limits.maxSessions || this.countOf(client) >= this.limits.maxPerClient)
      await this.evictIdle();
    if (this.countOf(client) >= this.limits.maxPerClient) return "client";
    if (this.sessions.size >= this.limits.maxSessions) return "server";
    return undefined;
  }

  /** Closes sessions idle for longer than the limit; how many. */
  async evictIdle(now = Date.now()): Promise<number> {
    const idle = [...this.sessions.entries()].filter(
      ([, s]) => s.open === 0 && now - s.lastSeen >= this.limits.idleMs,
    );
    for (const [id, s] of idle) {
      this.sessions.delete(id);
      await s.transport.close().catch(() => undefined);
      await s.server.close().catch(() => undefined);
    }
    return idle.length;
  }

  async closeAll(): Promise<void> {
    clearInterval(this.timer);
    for (const [id, s] of [...this.sessions.entries()]) {
      this.sessions.delete(id);
      await s.transport.close().catch(() => undefined);
      await s.server.close().catch(() => undefined);
    }
  }

  private countOf(client: string): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.client === client) n++;
    return n;
  }
}
