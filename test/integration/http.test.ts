import http from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, cliProcess } from "../helpers/cli.js";
import { Sandbox } from "../helpers/sandbox.js";
import { until } from "../helpers/wait.js";

const TOKEN = "0123456789abcdef0123456789abcdef";

async function startServer(
  env: NodeJS.ProcessEnv,
  args: string[],
): Promise<{ proc: ResultPromise; url: string; token: string | undefined; stderr: () => string }> {
  const proc = cliProcess(["serve", "--transport", "http", "--port", "0", ...args], env);
  let err = "";
  proc.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const url = await until(
    "the server to listen",
    async () => /at (http:\/\/\S+\/mcp)/.exec(err)?.[1],
    20_000,
    50,
  );
  // The token codexmcp made and shows at start.
  const token = /Authorization: Bearer ([0-9a-f]{64})/.exec(err)?.[1];
  return { proc, url, token, stderr: () => err };
}

function raw(
  url: string,
  headers: Record<string, string>,
  body = '{"jsonrpc":"2.0","id":1,"method":"ping"}',
): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...headers,
        },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function connect(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: "http-test", version: "1" });
  await client.connect(
    new StreamableHTTPClientTransport(
      new URL(url),
      token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : undefined,
    ),
  );
  return client;
}

describe("MCP over Streamable HTTP", () => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("http", [
      { sh: "echo over-http > http.txt && git add http.txt && git commit -qm http" },
      { say: "done over HTTP" },
    ]);
  });
  afterAll(async () => {
    await sb?.dispose();
  });

  it("serves several clients at once on one task store; a real SDK client dispatches and waits", async () => {
    const server = await startServer(sb.env(), []);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const a = await connect(server.url, server.token);
      const b = await connect(server.url, server.token);
      const d = (await a.callTool({
        name: "codex_dispatch",
        arguments: {
          prompt: "[[script:http]]",
          cwd: sb.repo,
          topic: "implement-http-v1",
          sandbox: "full-access",
        },
      })) as CallToolResult;
      const dispatched = d.structuredContent as Record<string, unknown>;
      expect(dispatched.task_id).toBe("codex-implement-http-v1");
      // The other client waits for it.
      const w = (await b.callTool(
        {
          name: "codex_wait",
          arguments: { task_ids: [dispatched.task_id], cursor: dispatched.cursor, timeout_seconds: 60 },
        },
        undefined,
        { timeout: 90_000 },
      )) as CallToolResult;
      const waited = w.structuredContent as { status: string; task: Record<string, unknown> };
      expect(waited.status).toBe("completed");
      expect(waited.task).toMatchObject({ result: "done over HTTP", commits_ahead: 1 });
      await Promise.all([a.close(), b.close()]);
    } finally {
      server.proc.kill("SIGTERM");
      await server.proc;
    }
  });

  it("requires the bearer token when one is set: 401 without it", async () => {
    const server = await startServer(sb.env({ CODEXMCP_TEST_TOKEN: TOKEN }), [
      "--token-env",
      "CODEXMCP_TEST_TOKEN",
    ]);
    try {
      expect(await raw(server.url, {})).toBe(401);
      expect(await raw(server.url, { authorization: "Bearer wrong-token-wrong-token!!" })).toBe(401);
      await expect(connect(server.url)).rejects.toThrow();
      const client = await connect(server.url, TOKEN);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain("codex_wait");
      await client.close();
    } finally {
      server.proc.kill("SIGTERM");
      await server.proc;
    }
  });

  it("refuses to bind a non-loopback host without a token", async () => {
    const r = await cli(
      ["serve", "--transport", "http", "--host", "0.0.0.0", "--port", "0", "--no-auth"],
      sb.env(),
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Refusing to serve on 0\.0\.0\.0 without a bearer token/);
    const short = await cli(
      ["serve", "--transport", "http", "--host", "0.0.0.0", "--port", "0", "--token-env", "SHORT"],
      sb.env({ SHORT: "abc" }),
    );
    expect(short.stderr).toMatch(/shorter than 16 characters/);
  });

  it("rejects a foreign Origin and a foreign Host (DNS rebinding)", async () => {
    const server = await startServer(sb.env(), []);
    try {
      const port = new URL(server.url).port;
      const auth = { authorization: `Bearer ${server.token}` };
      expect(await raw(server.url, { ...auth, origin: "http://evil.example" })).toBe(403);
      expect(await raw(server.url, { ...auth, host: `evil.example:${port}` })).toBe(403);
      const init =
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}';
      expect(await raw(server.url, { ...auth, origin: `http://127.0.0.1:${port}` }, init)).toBe(200);
      expect(await raw(server.url, { ...auth, host: `localhost:${port}` }, init)).toBe(200);
    } finally {
      server.proc.kill("SIGTERM");
      await server.proc;
    }
  });
});
