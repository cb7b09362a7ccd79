import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { errorMessage } from "../util/errors.js";
import type { Check } from "./checks/types.js";

/** How a client starts the server: its registered command, args and env. */
export interface ServerLaunch {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/**
 * The environment a client gives a stdio server: the few variables MCP clients pass through
 * (the SDK's getDefaultEnvironment, Codex's defaults) with the PATH a desktop app gets from its
 * launcher — the strictest case — and the entry's own env on top.
 */
export function clientEnv(entryEnv: Readonly<Record<string, string>>, from: NodeJS.ProcessEnv = process.env) {
  const env: Record<string, string> = { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" };
  for (const key of ["HOME", "USER", "LOGNAME", "SHELL", "TERM", "LANG"]) {
    const value = from[key];
    if (value) env[key] = value;
  }
  return { ...env, ...entryEnv };
}

/** Starts the server exactly as registered and asks it for its tools, as the client will. */
export async function serverStartCheck(
  launch: ServerLaunch,
  where: string,
  reinstall: string,
): Promise<Check> {
  const started = Date.now();
  const stderr: string[] = [];
  const transport = new StdioClientTransport({
    command: launch.command,
    args: [...launch.args],
    env: { ...launch.env },
    stderr: "pipe",
  });
  transport.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString("utf8")));
  const client = new Client({ name: "codexmcp-doctor", version: "1" });
  try {
    await client.connect(transport, { timeout: 30_000 });
    const { tools } = await client.listTools(undefined, { timeout: 30_000 });
    return {
      name: "registration",
      status: "ok",
      detail: `${where}: \`${[launch.command, ...launch.args].join(" ")}\` started and listed ${tools.length} tools in ${Date.now() - started} ms`,
    };
  } catch (err) {
    const said = stderr.join("").trim().split("\n").slice(-3).join(" ");
    return {
      name: "registration",
      status: "fail",
      detail: `${where}: \`${[launch.command, ...launch.args].join(" ")}\` did not start as an MCP server: ${errorMessage(err)}${said ? ` (stderr: ${said})` : ""}`,
      fix: `register it again from this installation: ${reinstall}`,
    };
  } finally {
    await client.close().catch(() => undefined);
  }
}
