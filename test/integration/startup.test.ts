import { spawn } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { ROOT, Sandbox, SERVER_BIN } from "../helpers/sandbox.js";

/** The first line a command writes to stdout after an initialize request. */
function firstLine(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: ROOT, env, stdio: ["pipe", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        child.kill();
        resolve(out.slice(0, nl));
      }
    });
    child.once("error", reject);
    child.once("exit", () => resolve(out));
    child.stdin.write(
      `${JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      })}\n`,
    );
  });
}

/**
 * stdout of a stdio server is the protocol: the ways the READMEs give to start the server must put
 * nothing else there. `npm start` is one of them: the clone's .npmrc puts npm in JSON mode, where
 * npm prints its "> codexmcp@… start" banner on stderr.
 */
describe("starting the stdio server as documented", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await Sandbox.create();
  });
  afterAll(async () => {
    await sb?.dispose();
  });

  it.each([
    ["node dist/bin/codexmcp.js", process.execPath, [SERVER_BIN]],
    // What `npm link` puts on PATH as `codexmcp`: the bin file itself, through its #! line.
    ["codexmcp (npm link)", SERVER_BIN, []],
    ["npm start (in the clone)", "npm", ["start"]],
  ])("%s: the first byte on stdout is the initialize answer", async (_name, command, args) => {
    const line = await firstLine(command, args as string[], sb.env());
    const answer = JSON.parse(line) as { id: number; result?: { serverInfo?: { name?: string } } };
    expect(answer.id).toBe(1);
    expect(answer.result?.serverInfo?.name).toBe("codexmcp");
  });
});

/**
 * A server started by `npm start` hands its tasks the environment of the user's shell, not the
 * one npm made for its script: no codexmcp dev tools first on PATH, no npm told to print JSON
 * (the clone's .npmrc), no npm_lifecycle_event for a repository's own scripts to misread.
 */
describe("npm start: a client's session and the tasks it starts", () => {
  let sb: Sandbox;
  let mcp: McpSession | undefined;
  beforeAll(async () => {
    sb = await Sandbox.create();
    mcp = await McpSession.launch({ command: "npm", args: ["start"], cwd: ROOT }, sb.env({ EDITOR: "nano" }));
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  it("the SDK client reads nothing but JSON-RPC, and a task sees the user's environment", async () => {
    const session = mcp as McpSession;
    const listed = await session.client.listTools();
    expect(listed.tools.map((t) => t.name)).toContain("codex_dispatch");

    const envFile = path.join(sb.root, "task-env.txt");
    sb.model.script("env", [{ sh: `env > ${envFile}` }, { say: "saved" }]);
    const done = await session.ok("codex", {
      prompt: "[[script:env]]",
      cwd: sb.repo,
      topic: "test-npm_start_env-v1",
      sandbox: "full-access",
    });
    expect(done).toMatchObject({ status: "completed" });
    const env = Object.fromEntries(
      (await fsp.readFile(envFile, "utf8"))
        .split("\n")
        .filter((l) => l.includes("="))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    // (Codex puts a directory of its own first; npm's were codexmcp's node_modules/.bin and up.)
    expect(env.PATH?.split(path.delimiter)).not.toContain(path.join(ROOT, "node_modules", ".bin"));
    expect(
      env.PATH?.split(path.delimiter).filter((d) => /node_modules[\\/](\.bin|.*node-gyp-bin)/.test(d)),
    ).toEqual([]);
    expect(env.npm_lifecycle_event).toBeUndefined();
    expect(env.npm_package_name).toBeUndefined();
    expect(env.npm_config_json).toBeUndefined();
    expect(env.INIT_CWD).toBeUndefined();
    // What the user set stays.
    expect(env.EDITOR).toBe("nano");
    expect(env.CODEXMCP_TMUX_SOCKET).toBe(sb.socket);
    expect(session.errors).toEqual([]);
  }, 180_000);
});
