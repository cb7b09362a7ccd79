import type { Settings } from "../../config/settings.js";
import { readHttpToken } from "../../core/http-token.js";
import { runningHttpServers } from "../../server/records.js";
import { boardKey, mintLoginToken } from "../../server/ui/auth.js";
import { createBoard } from "../../server/ui/board.js";
import type { TaskManager } from "../../tasks/manager.js";
import { UserError } from "../../util/errors.js";
import { EXIT } from "../context.js";

/** The web board of an HTTP server, signing logins with a key derived from its bearer token. */
export async function boardFor(manager: TaskManager, token: string | undefined) {
  return createBoard(manager, boardKey(token));
}

/** The login link of a server listening at `mcpUrl` (a wildcard address is reached on loopback). */
export function loginUrl(mcpUrl: string, token: string): string {
  const url = new URL(mcpUrl);
  if (url.hostname === "0.0.0.0") url.hostname = "127.0.0.1";
  if (url.hostname === "[::]") url.hostname = "[::1]";
  return `${url.origin}/login?token=${token}`;
}

/**
 * `codexmcp ui --login-url`: a fresh login link for every HTTP server of this state directory
 * that uses the token file (whoever can read that file can log in; a link works once).
 */
export async function printLoginUrls(settings: Settings): Promise<number> {
  const servers = (await runningHttpServers(settings.home)).filter((s) => !s.socket);
  if (servers.length === 0)
    throw new UserError(
      `No codexmcp HTTP server is running for ${settings.home}; start the board with: codexmcp ui`,
    );
  const token = await readHttpToken(settings.home);
  const withToken = servers.filter((s) => s.auth === "token");
  if (!token || withToken.length === 0)
    throw new UserError(
      "The running servers do not use $CODEXMCP_HOME/http-token (--no-auth or --token-env), so no login link can be made for them from here; restart with: codexmcp ui",
    );
  for (const s of withToken) process.stdout.write(`${loginUrl(s.url, mintLoginToken(boardKey(token)))}\n`);
  return EXIT.ok;
}
