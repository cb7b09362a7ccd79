import type { AgentEvent, AgentStreamReader } from "../../core/agent-events.js";
import { errorCause } from "../error-cause.js";
import { arr, type Json, num, obj, parseJsonLine, str, toolSummary } from "../stream-common.js";

/**
 * Cursor agent's `-p --output-format stream-json`, from Cursor's documentation (cursor.com/docs/cli/
 * reference/output-format); no binary was available to check it. Documented: `system/init`
 * (session_id, model), `user`, `assistant` (one complete message between tool calls), `tool_call`
 * with `subtype` started/completed, a `call_id`, and `tool_call` holding one `<name>ToolCall`
 * {args, result} (readToolCall, writeToolCall, …; `function` {name, arguments} for others), and a
 * closing `result` (`is_error`, `result`, `session_id`). On failure Cursor may exit non-zero with
 * no `result` (the message goes to stderr): `end()` then reports the turn as failed.
 *
 * Not in the official page, from published captures: `shellToolCall` with args.command and
 * result.success {exitCode, stdout, stderr}; a refused command as result.rejected (taken as
 * denied), a failed one as result.failure or result.error.
 *
 * The answer: `result.result` is documented as the concatenation of all assistant text, tool
 * preambles included, so the answer is the assistant text after the last tool call (as for
 * Gemini), falling back to `result.result`.
 */
const FILE_TOOLS = new Map([
  ["writeToolCall", "update"],
  ["editToolCall", "update"],
  ["deleteToolCall", "delete"],
]);

interface ToolCall {
  readonly key: string;
  readonly body: Json | undefined;
  readonly args: Json | undefined;
  readonly result: Json | undefined;
}

function toolCallOf(event: Json): ToolCall | undefined {
  const call = obj(event.tool_call);
  const key = call ? Object.keys(call)[0] : undefined;
  if (!call || !key) return undefined;
  const body = obj(call[key]);
  return { key, body, args: obj(body?.args), result: obj(body?.result) };
}

function toolName(call: ToolCall): string {
  if (call.key === "function") return str(call.body?.name) ?? "function";
  return call.key.replace(/ToolCall$/, "");
}

export class CursorStreamReader implements AgentStreamReader {
  private texts: string[] = [];
  private sessionSeen = false;
  private finished = false;

  push(line: string): AgentEvent[] {
    const event = parseJsonLine(line);
    if (!event) return [];
    const out = this.session(event);
    switch (event.type) {
      case "assistant": {
        const text = arr(obj(event.message)?.content)
          .map((part) => (obj(part)?.type === "text" ? (str(obj(part)?.text) ?? "") : ""))
          .join("");
        if (text) this.texts.push(text);
        break;
      }
      case "thinking": {
        const text = str(event.text);
        if (text) out.push({ kind: "reasoning", text });
        break;
      }
      case "tool_call":
        out.push(...this.toolCall(event));
        break;
      case "result":
        out.push(...this.result(event));
        break;
    }
    return out;
  }

  end(): AgentEvent[] {
    if (this.finished) return [];
    this.finished = true;
    return [
      ...this.releaseTexts(),
      { kind: "turn_completed", ok: false, error: "the stream ended without a result" },
    ];
  }

  private session(event: Json): AgentEvent[] {
    const id = str(event.session_id);
    if (this.sessionSeen || !id) return [];
    this.sessionSeen = true;
    const model = event.type === "system" ? str(event.model) : undefined;
    return [{ kind: "session", session_id: id, ...(model ? { model } : {}) }, { kind: "turn_started" }];
  }

  private releaseTexts(): AgentEvent[] {
    const texts = this.texts;
    this.texts = [];
    return texts.map((text) => ({ kind: "message", text }));
  }

  private toolCall(event: Json): AgentEvent[] {
    const call = toolCallOf(event);
    if (!call) return [];
    const id = str(event.call_id) ?? "";
    const phase = event.subtype === "completed" ? "completed" : "started";
    const out = phase === "started" ? this.releaseTexts() : [];
    if (call.key === "shellToolCall") {
      const command = str(call.args?.command) ?? "";
      if (phase === "started") return [...out, { kind: "command", phase, id, command }];
      return [...out, shellCompleted(id, command, call.result)];
    }
    const name = toolName(call);
    if (phase === "started") {
      const summary = toolSummary(call.args);
      return [...out, { kind: "tool", phase, id, name, ...(summary ? { summary } : {}) }];
    }
    const denied = Boolean(call.result?.rejected);
    out.push({ kind: "tool", phase, id, name, ...(denied ? { denied: true } : {}) });
    const kind = FILE_TOOLS.get(call.key);
    const path = str(call.args?.path);
    if (kind && path && call.result?.success) out.push({ kind: "file_change", changes: [{ path, kind }] });
    return out;
  }

  private result(event: Json): AgentEvent[] {
    this.finished = true;
    const answer = this.texts.length > 0 ? this.texts.join("") : str(event.result);
    this.texts = [];
    if (event.is_error !== true && (str(event.subtype) ?? "success") === "success") {
      return [
        ...(answer ? [{ kind: "message", text: answer, final: true } as const] : []),
        { kind: "turn_completed", ok: true },
      ];
    }
    const message = str(event.result) ?? str(event.error) ?? "the run failed";
    return [
      { kind: "error", message, fatal: true, cause: errorCause(message) },
      { kind: "turn_completed", ok: false, error: message },
    ];
  }
}

function shellCompleted(id: string, command: string, result: Json | undefined): AgentEvent {
  const rejected = obj(result?.rejected);
  if (rejected) {
    const output = str(rejected.reason) ?? "rejected";
    return { kind: "command", phase: "completed", id, command, exit_code: null, output, denied: true };
  }
  const outcome = obj(result?.success) ?? obj(result?.failure);
  if (outcome) {
    const output =
      str(outcome.interleavedOutput) ?? `${str(outcome.stdout) ?? ""}${str(outcome.stderr) ?? ""}`;
    return {
      kind: "command",
      phase: "completed",
      id,
      command,
      exit_code: num(outcome.exitCode) ?? null,
      output,
    };
  }
  const error = obj(result?.error);
  const output = str(error?.errorMessage) ?? str(error?.message) ?? "";
  return { kind: "command", phase: "completed", id, command, exit_code: null, output };
}
