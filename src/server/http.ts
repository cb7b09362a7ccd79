import { randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { TaskManager } from "../tasks/manager.js";
import { UserError } from "../util/errors.js";
import { log } from "../util/log.js";
import { createServer } from "./server.js";

export interface HttpOptions {
  readonly host: string;
  readonly port: number;
  /** Bearer token clients must send (required unless bound to loopback). */
  readonly token?: string | undefined;
  /** Extra Host names (besides the bound host and loopback names) clients may use. */
  readonly allowedHosts?: readonly string[];
  /** Extra Origins browsers may send. */
  readonly allowedOrigins?: readonly string[];
  readonly path?: string;
}

export interface RunningHttpServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

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

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024 * 1024) throw new Error("request body larger than 16 MiB");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

/**
 * Serves MCP over Streamable HTTP: one session (transport + McpServer) per client, all on one
 * task manager. Bound to loopback unless told otherwise; any other host needs a bearer token.
 * Host and Origin are checked on every request against DNS rebinding.
 */
export async function serveHttp(manager: TaskManager, opts: HttpOptions): Promise<RunningHttpServer> {
  const loopback = isLoopback(opts.host);
  if (!loopback && !opts.token) {
    throw new UserError(
      `Refusing to serve on ${opts.host} without a bearer token: anyone who can reach it could run Codex with full access. Put a long random token in an environment variable and pass --token-env NAME, or bind to 127.0.0.1.`,
    );
  }
  const mountPath = opts.path ?? "/mcp";
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();
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
      if (url.pathname !== mountPath) return reject(res, 404, `Not found: MCP is served at ${mountPath}`);
      const host = req.headers.host ?? "";
      if (!allowedHostnames().has(hostnameOf(host)))
        return reject(res, 403, `Host ${host || "(none)"} is not allowed`);
      const origin = req.headers.origin;
      if (origin && !allowedOrigins().has(origin)) return reject(res, 403, `Origin ${origin} is not allowed`);
      if (opts.token) {
        const auth = req.headers.authorization ?? "";
        const given = auth.startsWith("Bearer ") ? auth.slice(7) : "";
        if (!sameToken(given, opts.token)) {
          return reject(res, 401, "Missing or wrong bearer token", {
            "www-authenticate": 'Bearer realm="codexmcp"',
          });
        }
      }
      const sessionId = req.headers["mcp-session-id"];
      const body = req.method === "POST" ? await readJson(req) : undefined;
      const existing = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
      if (existing) return await existing.transport.handleRequest(req, res, body);
      if (sessionId) return reject(res, 404, "Unknown or expired session; initialize a new one");
      if (req.method !== "POST" || !isInitializeRequest(body)) {
        return reject(res, 400, "No session: the first request must be an initialize request");
      }
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, { transport, server });
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
      log.error(`HTTP request failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent)
        reject(
          res,
          err instanceof SyntaxError ? 400 : 500,
          err instanceof SyntaxError ? "Body is not valid JSON" : "Internal error",
        );
    }
  });

  await new Promise<void>((resolve, rejectListen) => {
    httpServer.once("error", rejectListen);
    httpServer.listen(opts.port, opts.host, () => resolve());
  });
  port = (httpServer.address() as AddressInfo).port;
  const shownHost = opts.host.includes(":") && !opts.host.startsWith("[") ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${shownHost}:${port}${mountPath}`,
    port,
    async close() {
      for (const { transport, server } of sessions.values()) {
        await transport.close().catch(() => undefined);
        await server.close().catch(() => undefined);
      }
      sessions.clear();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
