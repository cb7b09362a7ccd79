import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { SERVER_BIN } from "./paths.js";
import { cpuSecondsOf, type Memory, memoryOf } from "./proc.js";

export type { Memory } from "./proc.js";

export interface ToolOutcome {
  readonly isError: boolean;
  readonly text: string;
  readonly data: Record<string, unknown>;
}

/** An MCP client over stdio, driving a server exactly as an MCP client does. */
export class McpClient {
  /** The last ~64 KiB the server wrote to stderr (for error messages). */
  private stderrTail = "";

  private constructor(
    readonly client: Client,
    readonly transport: StdioClientTransport,
  ) {}

  /** Spawns the server and does not connect yet (cold-start times the phases itself). */
  static create(command: string, args: readonly string[], env: Record<string, string>): McpClient {
    const transport = new StdioClientTransport({ command, args: [...args], env, stderr: "pipe" });
    const client = new Client({ name: "codexmcp-bench", version: "1.0.0" });
    const c = new McpClient(client, transport);
    transport.stderr?.on("data", (chunk: Buffer) => {
      c.stderrTail = (c.stderrTail + chunk.toString("utf8")).slice(-65536);
    });
    return c;
  }

  /** The built codexmcp server, connected (initialize done). */
  static async codexmcp(env: Record<string, string>): Promise<McpClient> {
    const c = McpClient.create(process.execPath, [SERVER_BIN], env);
    await c.connect();
    return c;
  }

  async connect(): Promise<void> {
    await this.client.connect(this.transport);
  }

  get pid(): number {
    const pid = this.transport.pid;
    if (pid === null) throw new Error("the server process is not running");
    return pid;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  memory(): Memory {
    return memoryOf(this.pid);
  }

  cpuSeconds(): number {
    return cpuSecondsOf(this.pid);
  }

  async call(name: string, args: Record<string, unknown>, timeoutMs = 300_000): Promise<ToolOutcome> {
    const raw = (await this.client.callTool({ name, arguments: args }, undefined, {
      timeout: timeoutMs,
    })) as CallToolResult;
    const text = raw.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
    return {
      isError: raw.isError === true,
      text,
      data: (raw.structuredContent ?? {}) as Record<string, unknown>,
    };
  }

  /** A call that must succeed; its structured content. */
  async ok(
    name: string,
    args: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>> {
    const out = await this.call(name, args, timeoutMs);
    if (out.isError) throw new Error(`${name} failed: ${out.text.slice(0, 500)}`);
    return out.data;
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}
