import { promises as fsp } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import type { RunContext } from "../agent.js";

/** An `[mcp_servers.<name>]` entry as far as switching it off needs. */
export interface CodexMcpServer {
  readonly name: string;
  readonly transport: "command" | "url";
  readonly argv: readonly string[];
}

/** Names Codex accepts for MCP servers (anything else makes Codex refuse its config anyway). */
const NAME = /^[A-Za-z0-9_-]+$/;

/** CODEX_HOME as Codex resolves it for this environment. */
export function codexHome(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.CODEX_HOME) return path.resolve(env.CODEX_HOME);
  return env.HOME ? path.join(env.HOME, ".codex") : undefined;
}

/**
 * Every config file Codex may read MCP servers from for a run in `runDir`: the system file, the
 * user's (CODEX_HOME), a `--profile`'s layer, and `.codex/config.toml` in the run directory and
 * each directory above it (Codex reads those of trusted projects; listing more is harmless,
 * because each server is switched off with a definition that is valid whether or not it exists).
 */
export function codexConfigFiles(runDir: string, ctx: Pick<RunContext, "env" | "profile">): string[] {
  const files = ["/etc/codex/config.toml"];
  const home = codexHome(ctx.env);
  if (home) {
    files.push(path.join(home, "config.toml"));
    if (ctx.profile) files.push(path.join(home, `${ctx.profile}.config.toml`));
  }
  const projects: string[] = [];
  for (let dir = path.resolve(runDir); ; dir = path.dirname(dir)) {
    projects.unshift(path.join(dir, ".codex", "config.toml"));
    if (path.dirname(dir) === dir) break;
  }
  // Outermost first: the closest project's file wins, as in Codex.
  return [...files, ...projects];
}

async function serversIn(file: string): Promise<CodexMcpServer[]> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch {
    return [];
  }
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch {
    return []; // Codex refuses such a file itself, with its own message
  }
  const table = doc.mcp_servers;
  if (!table || typeof table !== "object") return [];
  const out: CodexMcpServer[] = [];
  for (const [name, raw] of Object.entries(table as Record<string, unknown>)) {
    if (!NAME.test(name) || !raw || typeof raw !== "object") continue;
    const entry = raw as { url?: unknown; command?: unknown; args?: unknown };
    const args = Array.isArray(entry.args) ? entry.args.map(String) : [];
    out.push({
      name,
      transport: typeof entry.url === "string" ? "url" : "command",
      argv: typeof entry.command === "string" ? [entry.command, ...args] : args,
    });
  }
  return out;
}

/** The MCP servers Codex's configuration lists for a run in `runDir` (the later file wins a name). */
export async function codexMcpServers(
  runDir: string,
  ctx: Pick<RunContext, "env" | "profile">,
): Promise<CodexMcpServer[]> {
  const byName = new Map<string, CodexMcpServer>();
  for (const servers of await Promise.all(codexConfigFiles(runDir, ctx).map(serversIn)))
    for (const server of servers) byName.set(server.name, server);
  return [...byName.values()];
}

/** An entry that starts codexmcp itself (`node …/dist/bin/codexmcp.js`, `codexmcp`, `npx codexmcp`). */
export function isCodexmcp(server: CodexMcpServer): boolean {
  return server.argv.some((arg) => /(^|[\\/])codexmcp(\.js|\.cmd|\.mjs)?$/.test(arg));
}

/**
 * `-c` overrides that switch servers off. A full definition with `enabled = false` of the same
 * transport is valid whether Codex loaded the name or not (a bare `enabled=false` for a name it
 * did not load makes Codex reject its configuration).
 */
export function disableArgs(servers: readonly CodexMcpServer[]): string[] {
  return servers.flatMap((s) => [
    "-c",
    s.transport === "url"
      ? `mcp_servers.${s.name}={url="http://127.0.0.1:9/",enabled=false}`
      : `mcp_servers.${s.name}={command="true",enabled=false}`,
  ]);
}

/**
 * Codex's argv with the MCP servers a task's Codex must not start switched off: all of them by
 * default, or only codexmcp itself when the user lets tasks inherit the rest. A codexmcp in a
 * worker's tools would let it dispatch tasks of its own (recursion) and costs a server per task.
 */
export async function isolateMcpServers(args: readonly string[], ctx: RunContext): Promise<string[]> {
  const servers = await codexMcpServers(ctx.runDir, ctx);
  const off = ctx.mcpServers === "inherit" ? servers.filter(isCodexmcp) : servers;
  if (off.length === 0) return [...args];
  const at = args.indexOf("exec");
  const head = at >= 0 ? args.slice(0, at + 1) : [];
  return [...head, ...disableArgs(off), ...args.slice(at + 1)];
}
