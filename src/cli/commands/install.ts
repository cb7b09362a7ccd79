import os from "node:os";
import { ensureHttpToken } from "../../core/http-token.js";
import { UserError } from "../../util/errors.js";
import { packageFile } from "../../util/package-file.js";
import { type CliContext, EXIT } from "../context.js";
import {
  CLIENT_NAMES,
  type ClientName,
  DEFAULT_TOOL_TIMEOUT_SECONDS,
  installClient,
  isClientName,
  uninstallClient,
} from "../install/index.js";
import { resolveServerEnv } from "../install/server-env.js";
import { CLIENT_TOOL_TIMEOUT_ENV } from "../install/types.js";

export interface InstallCommandOptions {
  readonly client: string | undefined;
  readonly scope: string;
  readonly name: string;
  readonly dryRun: boolean;
  readonly useClientCli: boolean;
  readonly toolTimeoutSeconds?: number | undefined;
  readonly env: readonly string[];
  readonly transport: string;
  /** For --transport http: where the server listens (default http://127.0.0.1:8765/mcp). */
  readonly url?: string | undefined;
  /** For --transport http: take the token from this variable instead of $CODEXMCP_HOME/http-token. */
  readonly tokenEnv?: string | undefined;
  readonly approveTools: boolean;
}

/** The server's URL and token for `--transport http`. */
async function httpTarget(ctx: CliContext, opts: InstallCommandOptions) {
  if (opts.transport === "stdio") return undefined;
  if (opts.transport !== "http") throw new UserError('--transport is "stdio" or "http".');
  const url = opts.url ?? "http://127.0.0.1:8765/mcp";
  if (!/^https?:\/\//.test(url)) throw new UserError(`--url must be an http(s) URL (got "${url}").`);
  const token = opts.tokenEnv ? ctx.env[opts.tokenEnv] : await ensureHttpToken(ctx.settings.home);
  if (!token || token.length < 16)
    throw new UserError(
      `--token-env ${opts.tokenEnv}: that variable holds no token of 16 characters or more.`,
    );
  return { url, token };
}

function parseEnv(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UserError(`--env takes NAME=VALUE (got "${pair}").`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

/** `codexmcp install|uninstall <client>`: (un)registers this installation's server in a client's real config. */
export async function install(
  ctx: CliContext,
  action: "install" | "uninstall",
  opts: InstallCommandOptions,
): Promise<number> {
  if (!opts.client || !isClientName(opts.client)) {
    throw new UserError(`Name the client: codexmcp ${action} <${CLIENT_NAMES.join("|")}>.`);
  }
  if (opts.scope !== "user" && opts.scope !== "project")
    throw new UserError('--scope is "user" or "project".');
  const client: ClientName = opts.client;
  if (opts.approveTools && client !== "codex")
    throw new UserError(
      "--approve-tools is a Codex setting (default_tools_approval_mode); use it with install codex.",
    );
  const bin = packageFile("dist/bin/codexmcp.js");
  if (!bin)
    throw new UserError("codexmcp is not built (dist/bin/codexmcp.js is missing); run npm run build.");
  const run = action === "install" ? installClient : uninstallClient;
  const http = action === "install" ? await httpTarget(ctx, opts) : undefined;
  const userEnv = parseEnv(opts.env);
  // What the server needs to find its binaries when a client starts it with a bare environment.
  const resolved =
    action === "install"
      ? resolveServerEnv(client, ctx.settings, ctx.env, userEnv)
      : { env: userEnv, notes: [] };
  // Clients with a per-server tool timeout get it written; the server learns it too, to tell a
  // cancel at that time (the client's timeout: the task goes on) from a person's.
  if (
    action === "install" &&
    (client === "codex" || client === "gemini") &&
    !userEnv[CLIENT_TOOL_TIMEOUT_ENV]
  )
    resolved.env[CLIENT_TOOL_TIMEOUT_ENV] = String(opts.toolTimeoutSeconds ?? DEFAULT_TOOL_TIMEOUT_SECONDS);
  const report = await run({
    ...(http ? { http } : {}),
    client,
    scope: opts.scope,
    name: opts.name,
    command: process.execPath,
    args: [bin],
    env: resolved.env,
    approveTools: opts.approveTools,
    home: os.homedir(),
    cwd: process.cwd(),
    dryRun: opts.dryRun,
    useClientCli: opts.useClientCli,
    ...(opts.toolTimeoutSeconds !== undefined ? { toolTimeoutSeconds: opts.toolTimeoutSeconds } : {}),
  });
  const { p } = ctx;
  const where =
    report.method === "cli"
      ? `with ${client === "claude-code" ? "the claude CLI" : "the client's CLI"}`
      : report.file;
  if (!report.changed)
    ctx.out.write(
      `${p.green("✓")} ${client}: nothing to do — already ${action === "install" ? "registered" : "absent"} (${where})\n`,
    );
  else if (opts.dryRun) ctx.out.write(`${p.yellow("dry run")} ${client}: would ${action} ${where}\n`);
  else
    ctx.out.write(
      `${p.green("✓")} ${client}: ${action === "install" ? "registered" : "removed"} "${opts.name}" (${where})\n`,
    );
  // The diff shows where the token goes, not the token.
  const diff = http ? report.diff.split(http.token).join("<token>") : report.diff;
  if (diff && (opts.dryRun || report.changed)) ctx.out.write(`${diff.endsWith("\n") ? diff : `${diff}\n`}`);
  if (report.backup) ctx.out.write(`  backup of the previous file: ${report.backup}\n`);
  for (const note of [...resolved.notes, ...report.notes]) ctx.out.write(`  ${p.dim("note:")} ${note}\n`);
  return EXIT.ok;
}
