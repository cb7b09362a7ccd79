import { randomUUID, timingSafeEqual } from "node:crypto";
import { promises as fsp } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { TaskManager } from "../tasks/manager.js";
import { UserError } from "../util/errors.js";
import { log } from "../util/log.js";
import { DEFAULT_SESSION_LIMITS, type SessionLimits, SessionRegistry } from "./http-sessions.js";
import { createServer } from "./server.js";

export interface HttpOptions {
  readonly host: string;
  readonly port: number;
  /** Serve on this Unix socket (created 0600) instead of host:port. */
  readonly socket?: string | undefined;
  /** Bearer token every request must carry. Required unless `noAuth`. */
  readonly token?: string | undefined;
  /** No token: only on loopback or a Unix socket. */
  readonly noAuth?: boolean;
  /** Extra Host names (besides the bound host and loopback names) clients may use. */
  readonly allowedHosts?: readonly string[];
  /** Extra Origins browsers may send. */
  readonly allowedOrigins?: readonly string[];
  readonly path?: string;
  readonly limits?: Partial<SessionLimits>;
  /** Everything but the MCP path: the web board (after the same Host and Origin checks). */
  readonly board?: BoardRoutes;
}

/** The web board's side of the server (src/server/ui/): it checks its own login. */
export interface BoardRoutes {
  /** `bearer`: the request carried the server's bearer token (never true for a server without one). */
  handle(req: http.IncomingMessage, res: http.ServerResponse, info: { bearer: boolean }): Promise<void>;
  close(): Promise<void>;
}

export interface RunningHttpServer {
  readonly url: string;
  readonly port: number;
  readonly socket?: string;
  close(): Promise<void>;
}

export const MAX_BODY_BYTES = 16 * 1024 * 1024;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1);
  return hostHeader.split(":")[0] ?? "";
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function reject(
  res: http.ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

class BodyTooLarge extends Error {}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

/** Listens on a Unix socket only its owner can connect to (created under a 0177 umask, then 0600). */
async function listenOnSocket(server: http.Server, socket: string): Promise<void> {
  const st = await fsp.lstat(socket).catch(() => null);
  if (st) {
    if (!st.isSocket())
      throw new UserError(`${socket} exists and is not a socket; pass another --socket path.`);
    const live = await new Promise<boolean>((resolve) => {
      const probe = net.connect(socket, () => {
        probe.end();
        resolve(true);
      });
      probe.on("error", () => resolve(false));
    });
    if (live)
      throw new UserError(`Another server is listening on ${socket}; stop it or pass another --socket path.`);
    await fsp.rm(socket);
  }
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, rejectListen) => {
      server.once("error", rejectListen);
      server.listen(socket, () => resolve());
    });
  } finally {
    process.umask(previous);
  }
  await fsp.chmod(socket, 0o600);
}

/**
 * Serves MCP over Streamable HTTP: one session (transport + McpServer) per client, all on one
 * task manager, at most `limits` of them. Every request carries the bearer token unless the
 * server runs with `noAuth` (loopback or a Unix socket only). Host and Origin are checked on
 * every request against DNS rebinding.
 */
export async function serveHttp(manager: TaskManager, opts: HttpOptions): Promise<RunningHttpServer> {
  const local = opts.socket !== undefined || isLoopback(opts.host);
  if (!opts.token && !opts.noAuth) {
    throw new UserError(
      "Refusing to serve over HTTP without a bearer token: anyone who reaches it runs code as you. codexmcp serve makes one in $CODEXMCP_HOME/http-token; pass --token-env NAME to use your own.",
    );
  }
  if (opts.noAuth && !local) {
    throw new UserError(
      `Refusing to serve on ${opts.host} without a bearer token: anyone who can reach it could run Codex with full access. Drop --no-auth (a token is made for you), or bind to 127.0.0.1.`,
    );
  }
  const mountPath = opts.path ?? "/mcp";
  const sessions = new SessionRegistry({ ...DEFAULT_SESSION_LIMITS, ...opts.limits });
  let port = opts.port;

  const allowedHostnames = () =>
    new Set([
      ...LOOPBACK,
      ...(opts.host === "0.0.0.0" || opts.host === "::" ? [] : [opts.host]),
      ...(opts.allowedHosts ?? []),
    ]);
  const allowedOrigins = () => {
    const origins = new Set(opts.allowedOrigins ?? []);
    for (const h of allowedHostnames())
      for (const scheme of ["http", "https"]) origins.add(`${scheme}://${h}:${port}`);
    return origins;
  };

  const httpServer = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://placeholder");
      if (url.pathname !== mountPath && !opts.board)
        return reject(res, 404, `Not found: MCP is served at ${mountPath}`);
      const host = req.headers.host ?? "";
      if (!allowedHostnames().has(hostnameOf(host)))
        return reject(res, 403, `Host ${host || "(none)"} is not allowed`);
      const origin = req.headers.origin;
      if (origin && !allowedOrigins().has(origin)) return reject(res, 403, `Origin ${origin} is not allowed`);
      const auth = req.headers.authorization ?? "";
      const bearer =
        opts.token !== undefined && sameToken(auth.startsWith("Bearer ") ? auth.slice(7) : "", opts.token);
      if (url.pathname !== mountPath && opts.board) return await opts.board.handle(req, res, { bearer });
      if (opts.token) {
        if (!bearer) {
          return reject(res, 401, "Missing or wrong bearer token", {
            "www-authenticate": 'Bearer realm="codexmcp"',
          });
        }
      }
      const sessionId = req.headers["mcp-session-id"];
      const body = req.method === "POST" ? await readJson(req) : undefined;
      const existing = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
      if (existing) {
        res.on("close", sessions.track(existing));
        return await existing.transport.handleRequest(req, res, body);
      }
      if (sessionId) return reject(res, 404, "Unknown or expired session; initialize a new one");
      if (req.method !== "POST" || !isInitializeRequest(body)) {
        return reject(res, 400, "No session: the first request must be an initialize request");
      }
      const client = req.socket.remoteAddress ?? "unix";
      const full = await sessions.refusal(client);
      if (full === "client")
        return reject(
          res,
          429,
          `Too many open sessions from this client (${sessions.limits.maxPerClient}); close some (DELETE with their mcp-session-id) or wait until idle ones expire.`,
          { "retry-after": "60" },
        );
      if (full === "server")
        return reject(
          res,
          503,
          `The server has ${sessions.limits.maxSessions} open sessions; try again later.`,
          {
            "retry-after": "60",
          },
        );
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.add(id, { transport, server, client });
        },
      });
      const server = createServer(manager);
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
        void server.close().catch(() => undefined);
      };
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        // Answer at once; the rest of the body is read and dropped, then the connection closes.
        if (!res.headersSent)
          reject(res, 413, `Request body larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`, {
            connection: "close",
          });
        req.resume();
        return;
      }
      log.error(`HTTP request failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent)
        reject(
          res,
          err instanceof SyntaxError ? 400 : 500,
          err instanceof SyntaxError ? "Body is not valid JSON" : "Internal error",
        );
    }
  });

  if (opts.socket) await listenOnSocket(httpServer, opts.socket);
  else {
    await new Promise<void>((resolve, rejectListen) => {
      httpServer.once("error", rejectListen);
      httpServer.listen(opts.port, opts.host, () => resolve());
    });
    port = (httpServer.address() as AddressInfo).port;
  }
  const shownHost = opts.host.includes(":") && !opts.host.startsWith("[") ? `[${opts.host}]` : opts.host;
  return {
    url: opts.socket ? `http://localhost${mountPath}` : `http://${shownHost}:${port}${mountPath}`,
    port,
    ...(opts.socket ? { socket: opts.socket } : {}),
    async close() {
      await opts.board?.close();
      await sessions.closeAll();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      if (opts.socket) await fsp.rm(opts.socket, { force: true });
    },
  };
}
