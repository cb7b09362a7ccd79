import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
 * nothing else there (`npm start` did: npm's "> codexmcp@… start" banner, so it is gone).
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
  ])("%s: the first byte on stdout is the initialize answer", async (_name, command, args) => {
    const line = await firstLine(command, args as string[], sb.env());
    const answer = JSON.parse(line) as { id: number; result?: { serverInfo?: { name?: string } } };
    expect(answer.id).toBe(1);
    expect(answer.result?.serverInfo?.name).toBe("codexmcp");
  });

  it("package.json has no start script that would print npm's banner on the protocol channel", async () => {
    const pkg = (await import(path.join(ROOT, "package.json"), { with: { type: "json" } })) as {
      default: { scripts: Record<string, string> };
    };
    expect(pkg.default.scripts.start).toBeUndefined();
  });
});
