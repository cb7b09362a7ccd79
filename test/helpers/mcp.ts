import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult, Progress } from "@modelcontextprotocol/sdk/types.js";
import { SERVER_BIN } from "./sandbox.js";

export interface ToolOutcome {
  readonly isError: boolean;
  readonly text: string;
  readonly data: Record<string, unknown>;
  readonly raw: CallToolResult;
}

/** The SDK client over stdio against the built server (dist/), as an MCP client runs it. */
export class McpSession {
  readonly stderr: string[] = [];
  /** What the client could not take from the server: a line on stdout that is not JSON-RPC, say. */
  readonly errors: Error[] = [];

  private constructor(
    readonly client: Client,
    readonly transport: StdioClientTransport,
  ) {}

  static async start(env: NodeJS.ProcessEnv, args: readonly string[] = []): Promise<McpSession> {
    return McpSession.launch({ command: process.execPath, args: [SERVER_BIN, ...args] }, env);
  }

  /** The same, with the server started by another command (`npm start` in the clone, say). */
  static async launch(
    how: { command: string; args: readonly string[]; cwd?: string },
    env: NodeJS.ProcessEnv,
  ): Promise<McpSession> {
    const transport = new StdioClientTransport({
      command: how.command,
      args: [...how.args],
      cwd: how.cwd,
      env: env as Record<string, string>,
      stderr: "pipe",
    });
    const client = new Client({ name: "codexmcp-tests", version: "1.0.0" });
    const session = new McpSession(client, transport);
    transport.stderr?.on("data", (chunk: Buffer) => session.stderr.push(chunk.toString("utf8")));
    client.onerror = (error) => session.errors.push(error);
    await client.connect(transport);
    return session;
  }

  get pid(): number | null {
    return this.transport.pid;
  }

  async call(
    name: string,
    args: Record<string, unknown>,
    opts: { onprogress?: (p: Progress) => void; signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<ToolOutcome> {
    const raw = (await this.client.callTool({ name, arguments: args }, undefined, {
      onprogress: opts.onprogress,
      signal: opts.signal,
      timeout: opts.timeoutMs ?? 120_000,
      resetTimeoutOnProgress: true,
    })) as CallToolResult;
    const text = raw.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
    return {
      isError: raw.isError === true,
      text,
      data: (raw.structuredContent ?? {}) as Record<string, unknown>,
      raw,
    };
  }

  /** A call that must succeed; its structured content. */
  async ok(
    name: string,
    args: Record<string, unknown>,
    opts?: Parameters<McpSession["call"]>[2],
  ): Promise<Record<string, unknown>> {
    const out = await this.call(name, args, opts);
    if (out.isError) throw new Error(`${name} failed: ${out.text}`);
    return out.data;
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}
