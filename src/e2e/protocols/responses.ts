import type http from "node:http";
import { textOf } from "./conversation.js";
import { openSse, sendJson } from "./sse.js";
import type { Answer, ConversationEntry, OfferedTool, Protocol, RequestBody, RequestView } from "./types.js";
import { USAGE } from "./types.js";

/** OpenAI Responses API (`POST …/responses`): what Codex speaks. */

interface InputItem {
  type?: string;
  role?: string;
  content?: unknown;
}

function execCommand(cmd: string): Answer {
  // No login shell (profile scripts are slow and machine-specific) and the longest yield Codex
  // allows: with the default 10 s a loaded machine returns mid-command, the next scripted step
  // ends the turn, and the command is killed unfinished.
  return { kind: "tool_call", name: "exec_command", args: { cmd, login: false, yield_time_ms: 30_000 } };
}

export const responses: Protocol & { patchCall(patch: string): Answer } = {
  name: "responses",

  matches: (url) => /\/responses(\?|$)/.test(url),

  read(body: RequestBody): RequestView {
    const input = Array.isArray(body.input) ? (body.input as InputItem[]) : [];
    const entries: ConversationEntry[] = [];
    for (const item of input) {
      if (item.type === "message" && item.role === "user")
        entries.push({ kind: "user", text: textOf(item.content) });
      else if (item.type === "function_call_output") entries.push({ kind: "tool_result" });
      else if (item.type === "function_call" || (item.type === "message" && item.role === "assistant")) {
        entries.push({ kind: "assistant" });
      }
    }
    const tools: OfferedTool[] = (Array.isArray(body.tools) ? body.tools : []).map((t) => ({
      name: String((t as { name?: unknown }).name ?? ""),
      schema: (t as { parameters?: OfferedTool["schema"] }).parameters,
    }));
    return { entries, tools, stream: true };
  },

  // Codex's exec_command, whatever the tool list says: every Codex this project supports offers it.
  shellCall: (_view, command) => execCommand(command),

  patchCall: (patch) => execCommand(`apply_patch <<'PATCH'\n${patch}\nPATCH`),

  respond(res: http.ServerResponse, answer: Answer, _body: RequestBody, _url: string, n: number): void {
    const id = `resp_${n}`;
    const item =
      answer.kind === "text"
        ? {
            type: "message",
            role: "assistant",
            id: `msg_${n}`,
            content: [{ type: "output_text", text: answer.text }],
          }
        : {
            type: "function_call",
            name: answer.name,
            ...(answer.namespace ? { namespace: answer.namespace } : {}),
            call_id: `call_${n}`,
            arguments: JSON.stringify(answer.args),
          };
    const usage = {
      input_tokens: USAGE.input,
      input_tokens_details: { cached_tokens: USAGE.cached },
      output_tokens: USAGE.output,
      output_tokens_details: { reasoning_tokens: USAGE.reasoning },
      total_tokens: USAGE.input + USAGE.output,
    };
    const send = openSse(res);
    send({ type: "response.created", response: { id } }, "response.created");
    send({ type: "response.output_item.done", item }, "response.output_item.done");
    send({ type: "response.completed", response: { id, usage } }, "response.completed");
    res.end();
  },

  fail(res, status, message) {
    sendJson(res, status, { error: { message, type: "server_error" } });
  },
};
