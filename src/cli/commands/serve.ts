import { promises as fsp } from "node:fs";
import path from "node:path";
import { postMortemAudit } from "../../audit/post-mortem.js";
import type { Settings } from "../../config/settings.js";
import { serveStdio } from "../../server/stdio.js";
import { UserError } from "../../util/errors.js";
import { log, setDebugLogFile } from "../../util/log.js";
import { VERSION } from "../../version.js";
import { EXIT } from "../context.js";

export interface ServeOptions {
  readonly transport: "stdio" | "http";
  readonly host: string;
  readonly port: number;
  readonly tokenEnv?: string | undefined;
  readonly debug: boolean;
  readonly allowedHosts: readonly string[];
  readonly allowedOrigins: readonly string[];
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

export async function serve(settings: Settings, opts: ServeOptions): Promise<number> {
  if (opts.debug) await enableDebug(settings);
  if (opts.transport === "stdio") {
    await serveStdio(settings);
    return EXIT.ok;
  }
  let token: string | undefined;
  if (opts.tokenEnv) {
    token = process.env[opts.tokenEnv];
    if (!token)
      throw new UserError(
        `--token-env ${opts.tokenEnv}: that environment variable is empty or unset; put the bearer token in it.`,
      );
    if (token.length < 16)
      throw new UserError(
        `The bearer token in ${opts.tokenEnv} is shorter than 16 characters; use a long random one (e.g. openssl rand -hex 32).`,
      );
  }
  const [{ serveHttp }, { startHousekeeping }, { TaskManager }] = await Promise.all([
    import("../../server/http.js"),
    import("../../server/housekeeping.js"),
    import("../../tasks/manager.js"),
  ]);
  const manager = new TaskManager(settings, process.env, { postMortemAudit });
  const server = await serveHttp(manager, {
    host: opts.host,
    port: opts.port,
    token,
    allowedHosts: opts.allowedHosts,
    allowedOrigins: opts.allowedOrigins,
  });
  const housekeeping = startHousekeeping(manager);
  log.info(
    `codexmcp ${VERSION} serving MCP over Streamable HTTP at ${server.url}${token ? " (bearer token required)" : ""}; state in ${settings.home}`,
  );
  await new Promise<void>((resolve) => {
    for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => resolve());
  });
  const { settlePending } = await import("../../tools/pending.js");
  await settlePending(5000);
  housekeeping.stop();
  await server.close();
  return EXIT.ok;
}
