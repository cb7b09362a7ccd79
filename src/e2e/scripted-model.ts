import { promises as fsp } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

/**
 * A scripted stand-in for the OpenAI Responses API on 127.0.0.1, good enough to drive the real
 * Codex CLI offline: it answers `POST …/responses` with server-sent events that either say
 * something (a `message`) or ask Codex to run a shell command (an `exec_command` function
 * call), which Codex then really runs. Used by the test suite and by `codexmcp doctor --e2e`.
 *
 * Which script runs is chosen by the conversation itself, so many Codex processes can share one
 * server: the newest user message names a script with `[[script:NAME]]`, and the step is the
 * number of tool results Codex has sent back since that message.
 */
export type ScriptStep =
  | { readonly say: string; readonly delayMs?: number }
  | { readonly sh: string; readonly delayMs?: number }
  | { readonly patch: string; readonly delayMs?: number }
  /**
   * Call a tool the CLI offers, by its name there; Codex offers an MCP server's tools in a
   * namespace (`mcp__<server>`), which `namespace` names.
   */
  | {
      readonly call: string;
      readonly namespace?: string;
      readonly args?: Record<string, unknown>;
      readonly delayMs?: number;
    }
  /** Never answer (the connection stays open): a run that only a timeout or cancel ends. */
  | { readonly hang: true }
  /** Answer with an HTTP error status. */
  | { readonly fail: number; readonly message?: string };

export interface RecordedRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: ResponsesRequestBody;
  /** The newest user message's text. */
  readonly userText: string;
  readonly script: string | undefined;
  readonly step: number;
}

interface InputItem {
  type?: string;
  role?: string;
  content?: { type?: string; text?: string }[];
  [key: string]: unknown;
}

interface ResponsesRequestBody {
  model?: string;
  input?: InputItem[];
  [key: string]: unknown;
}

export const SCRIPT_TAG = /\[\[script:([A-Za-z0-9_.-]+)\]\]/;

function lastUserIndex(input: InputItem[]): number {
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i];
    if (item?.type === "message" && item.role === "user") return i;
  }
  return -1;
}

function messageText(item: InputItem | undefined): string {
  return (item?.content ?? []).map((c) => c.text ?? "").join("");
}

export class ScriptedModel {
  private server: http.Server | undefined;
  private readonly scripts = new Map<string, readonly ScriptStep[]>();
  private readonly hanging = new Set<http.ServerResponse>();
  private counter = 0;
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

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
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

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== "POST" || !req.url?.endsWith("/responses")) {
      res.writeHead(404).end();
      return;
    }
    let body: ResponsesRequestBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ResponsesRequestBody;
    } catch {
      res.writeHead(400).end();
      return;
    }
    const input = body.input ?? [];
    const userAt = lastUserIndex(input);
    const userText = messageText(input[userAt]);
    const name = SCRIPT_TAG.exec(userText)?.[1];
    const step = input.slice(userAt + 1).filter((i) => i.type === "function_call_output").length;
    this.requests.push({
      path: req.url,
      authorization: req.headers.authorization,
      body,
      userText,
      script: name,
      step,
    });
    const steps = (name && this.scripts.get(name)) || this.defaultScript;
    const current = steps[Math.min(step, steps.length - 1)] ?? { say: "Done." };

    if ("hang" in current) {
      this.hanging.add(res);
      res.on("close", () => this.hanging.delete(res));
      res.writeHead(200, { "content-type": "text/event-stream" });
      return;
    }
    if ("fail" in current) {
      res.writeHead(current.fail, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ error: { message: current.message ?? "scripted failure", type: "server_error" } }),
      );
      return;
    }
    if (current.delayMs) await new Promise((r) => setTimeout(r, current.delayMs));
    const n = ++this.counter;
    const id = `resp_${n}`;
    const item =
      "say" in current
        ? {
            type: "message",
            role: "assistant",
            id: `msg_${n}`,
            content: [{ type: "output_text", text: current.say }],
          }
        : "call" in current
          ? {
              type: "function_call",
              name: current.call,
              ...(current.namespace ? { namespace: current.namespace } : {}),
              call_id: `call_${n}`,
              arguments: JSON.stringify(current.args ?? {}),
            }
          : {
              type: "function_call",
              name: "exec_command",
              call_id: `call_${n}`,
              // No login shell (profile scripts are slow and machine-specific) and the longest
              // yield Codex allows: with the default 10 s a loaded machine returns mid-command, the
              // next scripted step ends the turn, and the command is killed unfinished.
              arguments: JSON.stringify({
                cmd: "sh" in current ? current.sh : `apply_patch <<'PATCH'\n${current.patch}\nPATCH`,
                login: false,
                yield_time_ms: 30_000,
              }),
            };
    const usage = {
      input_tokens: 100,
      input_tokens_details: { cached_tokens: 10 },
      output_tokens: 20,
      output_tokens_details: { reasoning_tokens: 5 },
      total_tokens: 120,
    };
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (event: Record<string, unknown>) =>
      res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
    send({ type: "response.created", response: { id } });
    send({ type: "response.output_item.done", item });
    send({ type: "response.completed", response: { id, usage } });
    res.end();
  }
}
