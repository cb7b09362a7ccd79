import { promises as fsp } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedModel } from "../../src/e2e/scripted-model.js";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A CODEX_HOME whose provider is the scripted model's, at another URL or with other keys. */
async function codexHome(dir: string, lines: readonly string[]): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, "config.toml"), `${lines.join("\n")}\n`);
  return dir;
}

/**
 * A run that cannot reach its model fails within the configured bound, with the cause in words,
 * instead of retrying until the wall-clock limit (4 h by default). Codex's own behaviour (0.169,
 * 0.171): a missing API key variable fails the turn at once; with no login the built-in OpenAI
 * provider gets 401s and retries; a closed port makes it wait "for network" forever.
 */
describe("runs that cannot reach their model", () => {
  let sb: Sandbox;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create();
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  async function run(env: NodeJS.ProcessEnv, topic: string, prompt = "hello") {
    mcp = await McpSession.start(sb.env({ CODEXMCP_UNREACHABLE_TIMEOUT: "5", ...env }));
    try {
      const d = await mcp.ok("codex_dispatch", {
        prompt,
        cwd: sb.repo,
        topic,
        sandbox: "read-only",
        timeout_seconds: 3600,
      });
      return await untilEnded(mcp, String(d.task_id), 90_000);
    } finally {
      await mcp.close();
    }
  }

  it("without credentials (the provider's key variable unset): failed, saying Codex is not logged in", async () => {
    const home = await codexHome(path.join(sb.root, "codex-home-nokey"), [
      'model_provider = "scripted"',
      "[model_providers.scripted]",
      'name = "scripted"',
      `base_url = "${sb.model.baseUrl}"`,
      'wire_api = "responses"',
      'env_key = "CODEXMCP_TEST_UNSET_KEY"',
    ]);
    const s = await run({ CODEX_HOME: home }, "review-nokey-v1");
    expect(s.status).toBe("failed");
    expect(String(s.error)).toMatch(
      /^Codex is not logged in or its credentials were refused: run `codex login`/,
    );
    expect(String(s.error)).toContain("CODEXMCP_TEST_UNSET_KEY");
  });

  it("without a login (OpenAI's provider answers 401 and Codex retries): failed at the first refusal", async () => {
    const model = await new ScriptedModel().start();
    model.defaultScript = [{ fail: 401, message: "Missing bearer or basic authentication in header" }];
    try {
      // The built-in OpenAI provider, pointed at the scripted model; no auth.json, no API key.
      const home = await codexHome(path.join(sb.root, "codex-home-nologin"), [
        `openai_base_url = "${model.baseUrl}"`,
      ]);
      // Codex first tries a WebSocket five times (the scripted model answers 404) and then falls
      // back to HTTPS; the bound must cover that.
      const s = await run(
        { CODEX_HOME: home, OPENAI_API_KEY: "", CODEXMCP_UNREACHABLE_TIMEOUT: "60" },
        "review-nologin-v1",
      );
      expect(s.status).toBe("failed");
      expect(String(s.error)).toMatch(/^Codex is not logged in or its credentials were refused/);
      expect(String(s.error)).toContain("401 Unauthorized");
      // It stopped at the first 401: Codex would have retried four more times. (Its first retry
      // comes ~200 ms later; on a loaded machine it can leave while the stop is under way.)
      expect(model.requests.filter((r) => r.path.endsWith("/responses")).length).toBeLessThanOrEqual(2);
    } finally {
      await model.stop();
    }
  });

  it("with an unreachable provider: failed once the bound has passed, naming the network error", async () => {
    const port = await closedPort();
    const home = await codexHome(path.join(sb.root, "codex-home-closed"), [
      'model_provider = "scripted"',
      "[model_providers.scripted]",
      'name = "scripted"',
      `base_url = "http://127.0.0.1:${port}/v1"`,
      'wire_api = "responses"',
      // Retries allowed, as in a real provider's config: the bound still ends the run.
      "request_max_retries = 4",
      "stream_max_retries = 5",
    ]);
    const s = await run({ CODEX_HOME: home }, "review-unreachable-v1");
    expect(s.status).toBe("failed");
    expect(String(s.error)).toMatch(
      /^Codex cannot reach its model provider: Reconnecting\.\.\. waiting for network/,
    );
    expect(String(s.error)).toContain("limit CODEXMCP_UNREACHABLE_TIMEOUT 5.0s");
    // Nothing of the task is left running.
    const log = await fsp.readFile(
      path.join(sb.taskDir("codex-review-unreachable-v1"), "codex-exec.log"),
      "utf8",
    );
    expect(log).toContain("task failed");
  });

  it("a stalled run shows its idle time while it runs, and the stall limit fails it with the reason", async () => {
    sb.model.script("stall", [{ hang: true }]);
    // A heartbeat every second: the default 10 s one can come after the stall limit has ended the call.
    mcp = await McpSession.start(sb.env({ CODEXMCP_STALL_TIMEOUT: "8", CODEXMCP_PROGRESS_INTERVAL: "1" }));
    try {
      const progress: string[] = [];
      const call = mcp.call(
        "codex",
        { prompt: "[[script:stall]]", cwd: sb.repo, topic: "review-stall-v1", sandbox: "read-only" },
        { onprogress: (p) => progress.push(String(p.message)) },
      );
      const running = await until("an idle running task", async () => {
        const s = await mcp.ok("codex_status", { task_id: "codex-review-stall-v1" });
        return s.status === "running" && Number(s.idle_seconds) >= 2 ? s : undefined;
      });
      expect(running.idle_seconds).toBeGreaterThanOrEqual(2);
      const listed = await mcp.ok("codex_status", {});
      const item = (listed.tasks as Record<string, unknown>[]).find(
        (t) => t.task_id === "codex-review-stall-v1",
      );
      expect(Number(item?.idle_seconds)).toBeGreaterThanOrEqual(0);
      const ended = await call;
      expect(ended.data.status).toBe("failed");
      expect(String(ended.data.error)).toMatch(
        /^Codex printed nothing for 8\.0s and was stopped \(stall limit CODEXMCP_STALL_TIMEOUT\)/,
      );
      expect(ended.data.idle_seconds).toBeUndefined();
      expect(progress.some((m) => /\(idle \d/.test(m))).toBe(true);
    } finally {
      await mcp.close();
    }
  });
});
