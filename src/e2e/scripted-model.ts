import { promises as fsp } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { type AgentEnvOptions, type ScriptedAgent, writeAgentHome } from "./agent-homes.js";
import { anthropic } from "./protocols/anthropic.js";
import { chat } from "./protocols/chat.js";
import { scriptPosition } from "./protocols/conversation.js";
import { gemini } from "./protocols/gemini.js";
import { valueForSchema } from "./protocols/json-schema.js";
import { responses } from "./protocols/responses.js";
import { sendJson } from "./protocols/sse.js";
import type {
  Answer,
  Protocol,
  ProtocolName,
  RequestBody,
  RequestView,
  ScriptStep,
} from "./protocols/types.js";
import { USAGE } from "./protocols/types.js";

export type { AgentEnvOptions, ScriptedAgent } from "./agent-homes.js";
export { SCRIPT_TAG } from "./protocols/conversation.js";
export type { ProtocolName, ScriptStep } from "./protocols/types.js";

/**
 * A scripted stand-in for an LLM API on 127.0.0.1, good enough to drive real agent CLIs offline. It
 * speaks OpenAI Responses (Codex), Anthropic Messages (Claude Code), Gemini (Gemini CLI) and OpenAI
 * Chat Completions (opencode, Qwen Code, Copilot), and answers each step of a script either with
 * text (`say`) or by calling the shell tool the CLI offers (`sh`), which the CLI then really runs.
 * Used by the test suite and by `codexmcp doctor --e2e`.
 *
 * Which script runs is chosen by the conversation itself, so many CLI processes can share one
 * server: the newest user message with a `[[script:NAME]]` tag names the script, and the step is the
 * number of tool results the CLI has sent back since that message. Side requests (a JSON-schema
 * answer, or no tools offered: routers, titles, summaries) get an answer without using a step.
 */
export interface RecordedRequest {
  readonly protocol: ProtocolName;
  readonly path: string;
  readonly authorization: string | undefined;
  /** The API key, from whichever header the protocol uses (Bearer, x-api-key, x-goog-api-key). */
  readonly apiKey: string | undefined;
  readonly body: RequestBody;
  /** The text of the user message that picked the script (the newest user message if none did). */
  readonly userText: string;
  readonly script: string | undefined;
  readonly step: number;
  /** A side request (router, title, next-speaker check): answered without using a step. */
  readonly side: boolean;
}

const PROTOCOLS: readonly Protocol[] = [responses, anthropic, gemini, chat];

function apiKeyOf(req: http.IncomingMessage): string | undefined {
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const bearer = header("authorization")?.replace(/^Bearer\s+/i, "");
  return bearer ?? header("x-api-key") ?? header("x-goog-api-key");
}

/** A request that is not the agent's turn: it wants JSON, or offers no tools at all. */
function isSideRequest(protocol: Protocol, view: RequestView): boolean {
  if (view.jsonSchema) return true;
  return protocol !== responses && view.tools.length === 0;
}

function sideAnswer(view: RequestView): Answer {
  if (view.jsonSchema) return { kind: "text", text: JSON.stringify(valueForSchema(view.jsonSchema)) };
  return { kind: "text", text: "Scripted side answer." };
}

export class ScriptedModel {
  private server: http.Server | undefined;
  private readonly scripts = new Map<string, readonly ScriptStep[]>();
  private readonly hanging = new Set<http.ServerResponse>();
  private counter = 0;
  /** Per conversation (its first user text): shell waits inserted while a called tool was not offered yet. */
  private readonly toolWaits = new Map<string, number>();
  readonly requests: RecordedRequest[] = [];

  /** What a run without a [[script:…]] tag gets. */
  defaultScript: readonly ScriptStep[] = [{ say: "Done." }];

  script(name: string, steps: readonly ScriptStep[]): this {
    this.scripts.set(name, steps);
    return this;
  }

  get port(): number {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    if (!addr) throw new Error("scripted model is not listening");
    return addr.port;
  }

  /** `http://127.0.0.1:PORT`: the base URL for CLIs that add the API version themselves (Claude, Gemini). */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The OpenAI-style base URL, with `/v1`. */
  get baseUrl(): string {
    return `${this.origin}/v1`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * A CODEX_HOME whose config.toml points Codex at this server (no account, no retries that
   * would hide a failure). With `envKey`, Codex sends that variable's value as its API key.
   */
  async writeCodexHome(dir: string, opts: { envKey?: string } = {}): Promise<string> {
    await fsp.mkdir(dir, { recursive: true });
    const config = [
      'model_provider = "scripted"',
      'model = "gpt-5-codex"',
      "",
      "[model_providers.scripted]",
      'name = "scripted model (codexmcp)"',
      `base_url = "${this.baseUrl}"`,
      'wire_api = "responses"',
      ...(opts.envKey ? [`env_key = "${opts.envKey}"`] : []),
      "request_max_retries = 0",
      "stream_max_retries = 0",
      "",
    ].join("\n");
    await fsp.writeFile(path.join(dir, "config.toml"), config);
    return dir;
  }

  /**
   * The environment (HOME and XDG dirs under `homeDir`, keys, base URLs, telemetry and updates off)
   * that points one agent CLI at this server, after writing the settings files it needs there.
   * `homeDir` must lie outside the OS temp dir (Codex refuses to set up its sandbox helper there).
   */
  async agentEnv(
    agent: ScriptedAgent,
    homeDir: string,
    opts: AgentEnvOptions = {},
  ): Promise<Record<string, string>> {
    return writeAgentHome(agent, homeDir, { origin: this.origin, baseUrl: this.baseUrl }, opts, (dir, o) =>
      this.writeCodexHome(dir, o),
    );
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = req.url ?? "";
    if (req.method === "POST" && /:countTokens(\?|$)|\/count_tokens(\?|$)/.test(url)) {
      sendJson(res, 200, { totalTokens: USAGE.input, input_tokens: USAGE.input });
      return;
    }
    const protocol = req.method === "POST" ? PROTOCOLS.find((p) => p.matches(url)) : undefined;
    if (!protocol) {
      res.writeHead(404).end();
      return;
    }
    let body: RequestBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RequestBody;
    } catch {
      res.writeHead(400).end();
      return;
    }
    const view = protocol.read(body, url);
    const side = isSideRequest(protocol, view);
    const { script, step, userText } = scriptPosition(view.entries);
    this.requests.push({
      protocol: protocol.name,
      path: url,
      authorization: req.headers.authorization,
      apiKey: apiKeyOf(req),
      body,
      userText,
      script,
      step,
      side,
    });
    if (side) {
      protocol.respond(res, sideAnswer(view), body, url, ++this.counter);
      return;
    }
    const steps = (script && this.scripts.get(script)) || this.defaultScript;
    const key = `${script ?? ""}\0${userText ?? ""}`;
    if (step === 0) this.toolWaits.delete(key); // a new conversation with the same prompt
    const waited = this.toolWaits.get(key) ?? 0;
    const current = steps[Math.min(Math.max(0, step - waited), steps.length - 1)] ?? { say: "Done." };
    // Codex sends a request before its MCP servers are up, without their tools; a call of a tool
    // not offered yet waits a second in the shell and asks again (each wait is one more tool
    // result in the conversation, hence the offset), for at most a minute.
    if ("call" in current && current.namespace && waited < 60) {
      const offered = JSON.stringify(body.tools ?? []).includes(`"${current.namespace}"`);
      const wait = offered ? undefined : protocol.shellCall(view, "sleep 1");
      if (wait) {
        this.toolWaits.set(key, waited + 1);
        protocol.respond(res, wait, body, url, ++this.counter);
        return;
      }
    }
    await this.answer(protocol, view, current, body, url, res);
  }

  private async answer(
    protocol: Protocol,
    view: RequestView,
    current: ScriptStep,
    body: RequestBody,
    url: string,
    res: http.ServerResponse,
  ): Promise<void> {
    if ("hang" in current) {
      this.hanging.add(res);
      res.on("close", () => this.hanging.delete(res));
      res.writeHead(200, { "content-type": "text/event-stream" });
      return;
    }
    if ("fail" in current) {
      protocol.fail(res, current.fail, current.message ?? "scripted failure");
      return;
    }
    if (current.delayMs) await new Promise((r) => setTimeout(r, current.delayMs));
    let answer: Answer | undefined;
    if ("say" in current) answer = { kind: "text", text: current.say };
    else if ("call" in current)
      answer = {
        kind: "tool_call",
        name: current.call,
        args: current.args ?? {},
        ...(current.namespace ? { namespace: current.namespace } : {}),
      };
    else if ("sh" in current) {
      // A read-only mode may have removed the shell tool: say what would have run, which ends the turn.
      answer = protocol.shellCall(view, current.sh) ?? {
        kind: "text",
        text: `No shell tool was offered; the script wanted to run: ${current.sh}`,
      };
    } else if (protocol === responses) answer = responses.patchCall(current.patch);
    else {
      protocol.fail(
        res,
        400,
        `scripted model: a "patch" step needs Codex's apply_patch (${protocol.name} cannot)`,
      );
      return;
    }
    protocol.respond(res, answer, body, url, ++this.counter);
  }
}
