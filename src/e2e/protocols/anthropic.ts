import type http from "node:http";
import { textOf } from "./conversation.js";
import { shellCallFrom } from "./shell-tool.js";
import { openSse, sendJson } from "./sse.js";
import type { Answer, ConversationEntry, OfferedTool, Protocol, RequestBody, RequestView } from "./types.js";
import { USAGE } from "./types.js";

/** Anthropic Messages API (`POST /v1/messages`, Claude Code adds `?beta=true`). */

interface Message {
  role?: string;
  content?: unknown;
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
  529: "overloaded_error",
};

function entriesOf(messages: readonly Message[]): ConversationEntry[] {
  const entries: ConversationEntry[] = [];
  for (const message of messages) {
    if (message.role === "assistant") entries.push({ kind: "assistant" });
    if (message.role !== "user") continue;
    const blocks = Array.isArray(message.content) ? (message.content as { type?: string }[]) : [];
    const results = blocks.filter((b) => b.type === "tool_result").length;
    // A user message that carries tool results is the CLI's, not a prompt: its text blocks are
    // reminders the CLI appends, and must not restart the step count.
    if (results > 0) for (let i = 0; i < results; i++) entries.push({ kind: "tool_result" });
    else entries.push({ kind: "user", text: textOf(message.content) });
  }
  return entries;
}

export const anthropic: Protocol = {
  name: "anthropic",

  matches: (url) => /\/v1\/messages(\?|$)/.test(url),

  read(body: RequestBody): RequestView {
    const messages = Array.isArray(body.messages) ? (body.messages as Message[]) : [];
    const tools: OfferedTool[] = (Array.isArray(body.tools) ? body.tools : []).map((t) => ({
      name: String((t as { name?: unknown }).name ?? ""),
      schema: (t as { input_schema?: OfferedTool["schema"] }).input_schema,
    }));
    return { entries: entriesOf(messages), tools, stream: body.stream === true };
  },

  shellCall: (view, command) => shellCallFrom(view.tools, command),

  respond(res: http.ServerResponse, answer: Answer, body: RequestBody, _url: string, n: number): void {
    const id = `msg_${n}`;
    const usage = {
      input_tokens: USAGE.input,
      output_tokens: USAGE.output,
      cache_read_input_tokens: USAGE.cached,
      cache_creation_input_tokens: 0,
    };
    const block =
      answer.kind === "text"
        ? { type: "text", text: answer.text }
        : { type: "tool_use", id: `toolu_${n}`, name: answer.name, input: answer.args };
    const stopReason = answer.kind === "text" ? "end_turn" : "tool_use";
    const message = { id, type: "message", role: "assistant", model: body.model ?? "scripted" };
    if (!body.stream) {
      sendJson(res, 200, {
        ...message,
        content: [block],
        stop_reason: stopReason,
        stop_sequence: null,
        usage,
      });
      return;
    }
    const send = openSse(res);
    const start = {
      ...message,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    };
    send({ type: "message_start", message: start }, "message_start");
    if (answer.kind === "text") {
      send(
        { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
        "content_block_start",
      );
      send(
        { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: answer.text } },
        "content_block_delta",
      );
    } else {
      send(
        { type: "content_block_start", index: 0, content_block: { ...block, input: {} } },
        "content_block_start",
      );
      const delta = { type: "input_json_delta", partial_json: JSON.stringify(answer.args) };
      send({ type: "content_block_delta", index: 0, delta }, "content_block_delta");
    }
    send({ type: "content_block_stop", index: 0 }, "content_block_stop");
    const end = { stop_reason: stopReason, stop_sequence: null };
    send({ type: "message_delta", delta: end, usage: { output_tokens: USAGE.output } }, "message_delta");
    send({ type: "message_stop" }, "message_stop");
    res.end();
  },

  fail(res, status, message) {
    sendJson(res, status, { type: "error", error: { type: ERROR_TYPES[status] ?? "api_error", message } });
  },
};
