import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import http from "node:http";
import path from "node:path";
import type { ResultPromise } from "execa";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureHttpToken } from "../../src/core/http-token.js";
import { cli } from "../helpers/cli.js";
import { CODEX_BIN, Sandbox, SERVER_BIN } from "../helpers/sandbox.js";
import { until } from "../helpers/wait.js";

interface Server {
  readonly proc: ResultPromise;
  readonly url: string;
  readonly token: string | undefined;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

/** `codexmcp serve --transport http` as a person starts it (under umask 000: codexmcp sets its own modes). */
async function serve(env: NodeJS.ProcessEnv, args: string[]): Promise<Server> {
  const proc = execa(
    "sh",
    [
      "-c",
      'umask 000; exec "$0" "$@"',
      process.execPath,
      SERVER_BIN,
      "serve",
      "--transport",
      "http",
      ...args,
    ],
    {
      env,
      extendEnv: false,
      reject: false,
      stdin: "ignore",
    },
  );
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
  return {
    proc,
    url,
    token: /Authorization: Bearer ([0-9a-f]{64})/.exec(err)?.[1],
    stderr: () => err,
    async stop() {
      proc.kill("SIGTERM");
      await proc;
    },
  };
}

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
});

/** One POST; its status and session id. `from` sets the client's loopback source address. */
function post(
  target: { url: string; socketPath?: string },
  opts: { token?: string; body?: string | Buffer; from?: string; session?: string; chunked?: boolean } = {},
): Promise<{ status: number; session?: string }> {
  const u = new URL(target.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        ...(target.socketPath ? { socketPath: target.socketPath } : { host: u.hostname, port: u.port }),
        path: u.pathname,
        method: "POST",
        ...(opts.from ? { localAddress: opts.from } : {}),
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(opts.session ? { "mcp-session-id": opts.session } : {}),
          ...(opts.chunked ? { "transfer-encoding": "chunked" } : {}),
        },
      },
      (res) => {
        res.resume();
        const session = res.headers["mcp-session-id"];
        resolve({ status: res.statusCode ?? 0, ...(typeof session === "string" ? { session } : {}) });
      },
    );
    req.on("error", reject);
    req.end(opts.body ?? INIT);
  });
}

describe("local HTTP: a token on every host, bounded sessions, bounded bodies", () => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("env", [{ sh: "env | sort > env.txt" }, { say: "env saved" }]);
  });
  afterAll(async () => {
    await sb?.dispose();
  });

  it("makes a token on first start, 0600 in a 0700 home, shows it, and requires it", async () => {
    const server = await serve(sb.env(), ["--port", "0"]);
    try {
      const file = path.join(sb.home, "http-token");
      expect(server.token).toMatch(/^[0-9a-f]{64}$/);
      expect((await fsp.readFile(file, "utf8")).trim()).toBe(server.token);
      expect((await fsp.stat(file)).mode & 0o777).toBe(0o600);
      expect((await fsp.stat(sb.home)).mode & 0o777).toBe(0o700);
      expect(server.stderr()).toContain(file);
      expect((await post(server, {})).status).toBe(401);
      expect((await post(server, { token: "f".repeat(64) })).status).toBe(401);
      expect((await post(server, { token: server.token })).status).toBe(200);
    } finally {
      await server.stop();
    }
    // The same token next time.
    const again = await serve(sb.env(), ["--port", "0"]);
    try {
      expect(again.token).toBe(server.token);
    } finally {
      await again.stop();
    }
  });

  it("--no-auth only on loopback, with a warning; doctor reports it", async () => {
    const open = await serve(sb.env(), ["--port", "0", "--no-auth"]);
    try {
      // The warning comes before the line a script waits for to find the URL.
      const beforeServing = open.stderr().split("serving MCP over Streamable HTTP")[0];
      expect(beforeServing).toMatch(/--no-auth: every user and program on this machine/);
      expect((await post(open, {})).status).toBe(200);
      const doctor = await cli(["doctor", "--json"], sb.env(), { cwd: sb.repo });
      const checks = JSON.parse(doctor.stdout).checks as { name: string; status: string; detail: string }[];
      expect(checks.find((c) => c.name === "http auth")).toMatchObject({ status: "warn" });
    } finally {
      await open.stop();
    }
    for (const host of ["0.0.0.0", "::", "192.0.2.1"]) {
      const r = await cli(
        ["serve", "--transport", "http", "--host", host, "--port", "0", "--no-auth"],
        sb.env(),
      );
      expect(r.exitCode, host).toBe(1);
      expect(r.stderr).toMatch(/without a bearer token/);
    }
  });

  it("answers a body over 16 MiB with 413, with or without a length", async () => {
    const server = await serve(sb.env(), ["--port", "0"]);
    try {
      const big = Buffer.alloc(17 * 1024 * 1024, 0x20);
      expect((await post(server, { token: server.token, body: big })).status).toBe(413);
      expect((await post(server, { token: server.token, body: big, chunked: true })).status).toBe(413);
      // The server is still fine.
      expect((await post(server, { token: server.token })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it("caps sessions per client and per server (429 / 503) and evicts idle ones", async () => {
    const server = await serve(sb.env(), [
      "--port",
      "0",
      "--max-sessions",
      "3",
      "--max-sessions-per-client",
      "2",
      "--session-idle",
      "6",
    ]);
    try {
      const token = server.token;
      const a1 = await post(server, { token, from: "127.0.0.1" });
      const a2 = await post(server, { token, from: "127.0.0.1" });
      expect([a1.status, a2.status]).toEqual([200, 200]);
      expect((await post(server, { token, from: "127.0.0.1" })).status).toBe(429);
      expect((await post(server, { token, from: "127.0.0.2" })).status).toBe(200);
      expect((await post(server, { token, from: "127.0.0.3" })).status).toBe(503);
      // A flood changes nothing: still refused, the server still answers.
      const flood = await Promise.all(
        Array.from({ length: 100 }, (_, i) => post(server, { token, from: `127.0.1.${(i % 200) + 1}` })),
      );
      expect(new Set(flood.map((r) => r.status))).toEqual(new Set([503]));
      // Idle sessions go; their ids are then unknown. (6 s: the steps above must not outlast it.)
      await until(
        "an idle session to be evicted",
        async () => (await post(server, { token, from: "127.0.0.3" })).status === 200,
        20_000,
        500,
      );
      const ping = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" });
      expect((await post(server, { token, session: a1.session, body: ping })).status).toBe(404);
    } finally {
      await server.stop();
    }
  });

  it("never hands the token to a task, however it reached the server", async () => {
    const own = "0123456789abcdef0123456789abcdef-own";
    const server = await serve(sb.env({ CODEXMCP_TOKEN: own, ALSO_IT: own }), [
      "--port",
      "0",
      "--token-env",
      "CODEXMCP_TOKEN",
    ]);
    const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
    const { StreamableHTTPClientTransport } = await import(
      "@modelcontextprotocol/sdk/client/streamableHttp.js"
    );
    const client = new Client({ name: "t", version: "1" });
    try {
      await client.connect(
        new StreamableHTTPClientTransport(new URL(server.url), {
          requestInit: { headers: { authorization: `Bearer ${own}` } },
        }),
      );
      const r = (await client.callTool(
        {
          name: "codex",
          arguments: {
            prompt: "[[script:env]]",
            cwd: sb.repo,
            topic: "implement-env-v1",
            sandbox: "full-access",
          },
        },
        undefined,
        { timeout: 120_000 },
      )) as { structuredContent?: Record<string, unknown> };
      const env = await fsp.readFile(path.join(String(r.structuredContent?.worktree_dir), "env.txt"), "utf8");
      expect(env).toContain("CODEXMCP_TASK_ID=codex-implement-env-v1");
      expect(env).not.toContain(own);
      expect(env).not.toContain("CODEXMCP_TOKEN");
      expect(sb.tmux("show-environment", "-g")).not.toContain(own);
    } finally {
      await client.close();
      await server.stop();
    }
    // A stdio server started from a shell that holds the file's token under any name.
    const token = await ensureHttpToken(sb.home);
    const { McpSession } = await import("../helpers/mcp.js");
    const mcp = await McpSession.start(sb.env({ MY_CODEXMCP: token }));
    try {
      const r = await mcp.ok("codex", {
        prompt: "[[script:env]]",
        cwd: sb.repo,
        topic: "implement-env-v2",
        sandbox: "full-access",
      });
      const env = await fsp.readFile(path.join(String(r.worktree_dir), "env.txt"), "utf8");
      expect(env).toContain("CODEXMCP_TASK_ID=codex-implement-env-v2");
      expect(env).not.toContain(token);
    } finally {
      await mcp.close();
    }
  });

  it("install --transport http writes the URL and token into the client's user config (0600), and that reaches the server", async () => {
    const server = await serve(sb.env(), ["--port", "0"]);
    const home = path.join(sb.root, "client-home");
    await fsp.mkdir(home, { recursive: true });
    const env = sb.env({ HOME: home, CODEX_HOME: path.join(home, ".codex"), PATH: "/usr/bin:/bin" });
    try {
      for (const client of ["claude-code", "codex", "cursor", "gemini"]) {
        const r = await cli(["install", client, "--transport", "http", "--url", server.url], env);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(r.stdout).not.toContain(server.token);
        expect(r.stdout).toContain("Bearer <token>");
      }
      const cursor = JSON.parse(await fsp.readFile(path.join(home, ".cursor", "mcp.json"), "utf8"));
      expect(cursor.mcpServers.codex).toEqual({
        url: server.url,
        headers: { Authorization: `Bearer ${server.token}` },
      });
      for (const file of [".claude.json", ".codex/config.toml", ".cursor/mcp.json", ".gemini/settings.json"])
        expect((await fsp.stat(path.join(home, file))).mode & 0o777, file).toBe(0o600);
      // The real Codex CLI reads what was written.
      const listed = JSON.parse(
        execFileSync(CODEX_BIN, ["mcp", "list", "--json"], { env, encoding: "utf8" }),
      ) as { name: string; transport: { url: string; http_headers: Record<string, string> } }[];
      expect(listed.find((e) => e.name === "codex")?.transport).toMatchObject({
        url: server.url,
        http_headers: { Authorization: `Bearer ${server.token}` },
      });
      // What the client sends gets in.
      expect(
        (await post(server, { token: cursor.mcpServers.codex.headers.Authorization.slice(7) })).status,
      ).toBe(200);
      const project = await cli(["install", "cursor", "--transport", "http", "--scope", "project"], env, {
        cwd: sb.repo,
      });
      expect(project.stderr).toMatch(/use --scope user/);
      const desktop = await cli(["install", "claude-desktop", "--transport", "http"], env);
      expect(desktop.stderr).toMatch(/starts local servers only/);
    } finally {
      await server.stop();
    }
  });

  it("another Unix user reaches nothing: no token file, no answer without the token, no socket", async () => {
    const user = `cmcp${randomBytes(3).toString("hex")}`;
    execFileSync("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", user]);
    const socket = path.join(sb.root, "mcp.sock");
    // The test's own directories must not be what stops the other user: only codexmcp's modes.
    await fsp.chmod(sb.root, 0o755);
    const tcp = await serve(sb.env(), ["--port", "0"]);
    const unix = await serve(sb.env(), ["--socket", socket]);
    try {
      expect((await fsp.stat(socket)).mode & 0o777).toBe(0o600);
      expect((await post({ url: unix.url, socketPath: socket }, { token: unix.token })).status).toBe(200);
      const canary = path.join(sb.root, "other-user-canary");
      const probe = path.join(sb.root, "probe.cjs");
      await fsp.writeFile(
        probe,
        `const fs = require("node:fs"), http = require("node:http");
const out = {};
try { out.tokenFile = fs.readFileSync(${JSON.stringify(path.join(sb.home, "http-token"))}, "utf8"); } catch (e) { out.tokenFile = e.code; }
try { out.home = fs.readdirSync(${JSON.stringify(sb.home)}); } catch (e) { out.home = e.code; }
const call = (opts, body) => new Promise((resolve) => {
  const req = http.request({ ...opts, method: "POST", path: "/mcp", headers: { host: "localhost", "content-type": "application/json", accept: "application/json, text/event-stream", ...(opts.headers || {}) } }, (res) => { res.resume(); resolve(res.statusCode); });
  req.on("error", (e) => resolve(e.code));
  req.end(body);
});
const init = ${JSON.stringify(INIT)};
const dispatch = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "codex_dispatch", arguments: { prompt: "x", cwd: "/", topic: "implement-intruder-v1", sandbox: "full-access" } } });
(async () => {
  const u = new URL(${JSON.stringify(tcp.url)});
  out.tcpNoToken = await call({ host: u.hostname, port: u.port }, init);
  out.tcpGuess = await call({ host: u.hostname, port: u.port, headers: { authorization: "Bearer " + "0".repeat(64) } }, init);
  out.tcpDispatch = await call({ host: u.hostname, port: u.port }, dispatch);
  out.socket = await call({ socketPath: ${JSON.stringify(socket)} }, init);
  fs.writeFileSync(${JSON.stringify(canary)}, JSON.stringify(out));
})();
`,
        { mode: 0o644 },
      );
      await fsp.chmod(sb.root, 0o777);
      const r = spawnSync("runuser", ["-u", user, "--", process.execPath, probe], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const seen = JSON.parse(await fsp.readFile(canary, "utf8"));
      expect(seen).toEqual({
        tokenFile: "EACCES",
        home: "EACCES",
        tcpNoToken: 401,
        tcpGuess: 401,
        tcpDispatch: 401,
        socket: "EACCES",
      });
      expect(await fsp.stat(sb.taskDir("codex-implement-intruder-v1")).catch(() => null)).toBeNull();
    } finally {
      await fsp.chmod(sb.root, 0o700);
      await tcp.stop();
      await unix.stop();
      spawnSync("userdel", [user]);
    }
  });
});
