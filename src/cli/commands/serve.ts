import { promises as fsp } from "node:fs";
import path from "node:path";
import { postMortemAudit } from "../../audit/post-mortem-lazy.js";
import type { Settings } from "../../config/settings.js";
import { ensureHttpToken, httpTokenPath } from "../../core/http-token.js";
import { serveStdio } from "../../server/stdio.js";
import { hasErrorCode, UserError } from "../../util/errors.js";
import { log, setDebugLogFile } from "../../util/log.js";
import { nowIso } from "../../util/time.js";
import { VERSION } from "../../version.js";
import { EXIT } from "../context.js";

export interface ServeOptions {
  readonly transport: "stdio" | "http";
  readonly host: string;
  readonly port: number;
  /** Serve HTTP on this Unix socket (0600) instead of host:port. */
  readonly socket?: string | undefined;
  readonly tokenEnv?: string | undefined;
  readonly noAuth: boolean;
  readonly debug: boolean;
  readonly allowedHosts: readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly maxSessions?: number | undefined;
  readonly maxSessionsPerClient?: number | undefined;
  readonly sessionIdleSeconds?: number | undefined;
  /**
   * `codexmcp ui`: print the board's login link as the first line on stdout; `anyPort`: the port
   * was not asked for, so a busy default gives way to a free one.
   */
  readonly board?: { readonly announce: boolean; readonly anyPort: boolean };
}

/** The variable that hands the debug log's path to runners, which add Codex's stderr to it. */
export const DEBUG_LOG_ENV = "CODEXMCP_DEBUG_LOG";

async function enableDebug(settings: Settings): Promise<void> {
  const dir = path.join(settings.home, "logs");
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(
    dir,
    `codexmcp-${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}.log`,
  );
  setDebugLogFile(file);
  process.env[DEBUG_LOG_ENV] = file;
  process.stderr.write(`codexmcp: debug log: ${file}\n`);
}

/**
 * The bearer token: from --token-env (then removed from this process's environment, under any
 * name, so no task, tmux server or child inherits it), or `$CODEXMCP_HOME/http-token`, made on
 * first use (dispatch leaves that one out of every task's environment).
 */
async function resolveToken(settings: Settings, opts: ServeOptions): Promise<string | undefined> {
  if (opts.noAuth) {
    if (opts.tokenEnv) throw new UserError("--no-auth and --token-env contradict each other; pass one.");
    return undefined;
  }
  if (!opts.tokenEnv) return ensureHttpToken(settings.home);
  const token = process.env[opts.tokenEnv];
  if (!token)
    throw new UserError(
      `--token-env ${opts.tokenEnv}: that environment variable is empty or unset; put the bearer token in it.`,
    );
  if (token.length < 16)
    throw new UserError(
      `The bearer token in ${opts.tokenEnv} is shorter than 16 characters; use a long random one (e.g. openssl rand -hex 32).`,
    );
  // Under whatever name it also came in: nothing the server starts may inherit it.
  for (const [name, value] of Object.entries(process.env))
    if (value?.includes(token)) delete process.env[name];
  return token;
}

export async function serve(settings: Settings, opts: ServeOptions): Promise<number> {
  if (opts.debug) await enableDebug(settings);
  if (opts.transport === "stdio") {
    await serveStdio(settings);
    return EXIT.ok;
  }
  const token = await resolveToken(settings, opts);
  const [{ serveHttp }, { startHousekeeping }, { TaskManager }, { recordHttpServer }, ui] = await Promise.all(
    [
      import("../../server/http.js"),
      import("../../server/housekeeping.js"),
      import("../../tasks/manager.js"),
      import("../../server/records.js"),
      import("./ui.js"),
    ],
  );
  const manager = new TaskManager(settings, process.env, { postMortemAudit }, { standbyRunner: true });
  const board = await ui.boardFor(manager, token);
  const listen = (port: number) =>
    serveHttp(manager, {
      host: opts.host,
      port,
      socket: opts.socket,
      token,
      noAuth: opts.noAuth,
      allowedHosts: opts.allowedHosts,
      allowedOrigins: opts.allowedOrigins,
      limits: {
        ...(opts.maxSessions ? { maxSessions: opts.maxSessions } : {}),
        ...(opts.maxSessionsPerClient ? { maxPerClient: opts.maxSessionsPerClient } : {}),
        ...(opts.sessionIdleSeconds ? { idleMs: opts.sessionIdleSeconds * 1000 } : {}),
      },
      board,
    });
  const server = await listen(opts.port).catch((err: unknown) => {
    if (opts.board?.anyPort && hasErrorCode(err, "EADDRINUSE")) return listen(0);
    throw err;
  });
  const loginUrl = server.socket ? undefined : ui.loginUrl(server.url, board.auth.mintLogin());
  const unrecord = await recordHttpServer(settings.home, {
    pid: process.pid,
    url: server.url,
    socket: server.socket ?? null,
    auth: token ? "token" : "none",
    started_at: nowIso(),
  });
  // Printed once the server is on record: `codexmcp ui --login-url` finds the board by that record.
  if (loginUrl && opts.board?.announce) process.stdout.write(`${loginUrl}\n`);
  const housekeeping = startHousekeeping(manager);
  const where = server.socket ? `${server.url} on the Unix socket ${server.socket} (mode 0600)` : server.url;
  const auth = !token
    ? "no authentication (--no-auth)"
    : opts.tokenEnv
      ? `bearer token from ${opts.tokenEnv} required`
      : `bearer token required: Authorization: Bearer ${token} (kept in ${httpTokenPath(settings.home)}; codexmcp install <client> --transport http writes it into a client's config)`;
  // Warned before the "serving" line: whoever waits for that line to find the URL has read the warning.
  if (!token && !server.socket)
    log.warn(
      `--no-auth: every user and program on this machine that can connect to ${server.url} can run code as you. Use it only on a machine nobody else uses.`,
    );
  log.info(
    `codexmcp ${VERSION} serving MCP over Streamable HTTP at ${where}; ${auth}; state in ${settings.home}`,
  );
  if (loginUrl)
    log.info(
      `web board: ${loginUrl} (a one-time login link, valid 15 minutes; codexmcp ui --login-url makes another)`,
    );
  await new Promise<void>((resolve) => {
    for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => resolve());
  });
  const { settlePending } = await import("../../tools/pending.js");
  await settlePending(5000);
  housekeeping.stop();
  await server.close();
  await unrecord();
  return EXIT.ok;
}
