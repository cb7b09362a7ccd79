import type http from "node:http";
import { textOf } from "./conversation.js";
import { shellCallFrom } from "./shell-tool.js";
import { openSse, sendJson } from "./sse.js";
import type {
  Answer,
  ConversationEntry,
  JsonSchema,
  OfferedTool,
  Protocol,
  RequestBody,
  RequestView,
} from "./types.js";
import { USAGE } from "./types.js";

/** OpenAI Chat Completions (`POST …/chat/completions`): opencode, Qwen Code, Copilot's provider mode. */

interface ChatMessage {
  role?: string;
  content?: unknown;
}

interface ChatTool {
  function?: { name?: string; parameters?: JsonSchema };
}

function entriesOf(messages: readonly ChatMessage[]): ConversationEntry[] {
  const entries: ConversationEntry[] = [];
  for (const message of messages) {
    if (message.role === "user") entries.push({ kind: "user", text: textOf(message.content) });
    else if (message.role === "tool") entries.push({ kind: "tool_result" });
    else if (message.role === "assistant") entries.push({ kind: "assistant" });
  }
  return entries;
}

export const chat: Protocol = {
  name: "chat",

  matches: (url) => /\/chat\/completions(\?|$)/.test(url),

  read(body: RequestBody): RequestView {
    const messages = Array.isArray(body.messages) ? (body.messages as ChatMessage[]) : [];
    const tools: OfferedTool[] = (Array.isArray(body.tools) ? (body.tools as ChatTool[]) : []).map((t) => ({
      name: String(t.function?.name ?? ""),
      schema: t.function?.parameters,
    }));
    const format = body.response_format as
      | { type?: string; json_schema?: { schema?: JsonSchema } }
      | undefined;
    const jsonSchema = format?.type === "json_schema" ? (format.json_schema?.schema ?? {}) : undefined;
    return {
      entries: entriesOf(messages),
      tools,
      ...(jsonSchema ? { jsonSchema } : {}),
      stream: body.stream === true,
    };
  },

  shellCall: (view, command) => shellCallFrom(view.tools, command),

  respond(res: http.ServerResponse, answer: Answer, body: RequestBody, _url: string, n: number): void {
    const base = {
      id: `chatcmpl_${n}`,
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? "scripted",
    };
    const usage = {
      prompt_tokens: USAGE.input,
      completion_tokens: USAGE.output,
      total_tokens: USAGE.input + USAGE.output,
      prompt_tokens_details: { cached_tokens: USAGE.cached },
      completion_tokens_details: { reasoning_tokens: 0 },
    };
    const call =
      answer.kind === "tool_call"
        ? {
            index: 0,
            id: `call_${n}`,
            type: "function",
            function: { name: answer.name, arguments: JSON.stringify(answer.args) },
          }
        : undefined;
    const finish = call ? "tool_calls" : "stop";
    const text = answer.kind === "text" ? answer.text : null;
    if (!body.stream) {
      const message = { role: "assistant", content: text, ...(call ? { tool_calls: [call] } : {}) };
      sendJson(res, 200, {
        ...base,
        object: "chat.completion",
        choices: [{ index: 0, message, finish_reason: finish }],
        usage,
      });
      return;
    }
    const send = openSse(res);
    const chunk = { ...base, object: "chat.completion.chunk" };
    const delta = { role: "assistant", ...(call ? { tool_calls: [call] } : { content: text }) };
    send({ ...chunk, choices: [{ index: 0, delta, finish_reason: null }] });
    send({ ...chunk, choices: [{ index: 0, delta: {}, finish_reason: finish }] });
    // The usage chunk (stream_options.include_usage) comes last, with no choices.
    send({ ...chunk, choices: [], usage });
    send("[DONE]");
    res.end();
  },

  fail(res, status, message) {
    const type =
      status === 401 ? "invalid_api_key" : status === 429 ? "rate_limit_exceeded" : "invalid_request_error";
    sendJson(res, status, { error: { message, type, code: status } });
  },
};
