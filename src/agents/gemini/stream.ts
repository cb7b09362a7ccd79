import type { AgentEvent, AgentStreamReader, AgentUsage } from "../../core/agent-events.js";
import { errorCause } from "../error-cause.js";
import { type Json, num, obj, parseJsonLine, str, toolSummary } from "../stream-common.js";

/**
 * Gemini CLI's `-o stream-json` (0.61.0): `init`, `message` (the user's, then the assistant's in
 * `delta: true` pieces), `tool_use`/`tool_result` by `tool_id`, `error`, and a closing `result`
 * with `status` and `stats`.
 *
 * The answer is the assistant text after the last tool result, joined (pieces before a tool call
 * are a message of their own). The shell tool's result carries no exit code, only its output and
 * `status`. In `default` approval mode headless Gemini removes the shell and edit tools, so a
 * read-only run shows no command at all.
 */
const SHELL_TOOL = "run_shell_command";
const FILE_TOOLS = new Map([
  ["write_file", "update"],
  ["replace", "update"],
]);

interface PendingTool {
  readonly name: string;
  readonly command?: string;
  readonly path?: string;
}

export class GeminiStreamReader implements AgentStreamReader {
  private readonly pending = new Map<string, PendingTool>();
  private text = "";
  private finished = false;

  push(line: string): AgentEvent[] {
    const event = parseJsonLine(line);
    if (!event) return [];
    switch (event.type) {
      case "init": {
        const id = str(event.session_id);
        const model = str(event.model);
        return id
          ? [{ kind: "session", session_id: id, ...(model ? { model } : {}) }, { kind: "turn_started" }]
          : [];
      }
      case "message":
        if (event.role === "assistant") this.text += str(event.content) ?? "";
        return [];
      case "tool_use":
        return [...this.releaseText(), this.toolUse(event)];
      case "tool_result":
        return this.toolResult(event);
      case "error": {
        const message = str(event.message) ?? "error";
        return [{ kind: "error", message, fatal: false, cause: errorCause(message) }];
      }
      case "result":
        return this.result(event);
      default:
        return [];
    }
  }

  end(): AgentEvent[] {
    if (this.finished) return [];
    this.finished = true;
    return [
      ...this.releaseText(),
      { kind: "turn_completed", ok: false, error: "the stream ended without a result" },
    ];
  }

  private releaseText(): AgentEvent[] {
    const text = this.text;
    this.text = "";
    return text ? [{ kind: "message", text }] : [];
  }

  private toolUse(event: Json): AgentEvent {
    const id = str(event.tool_id) ?? "";
    const name = str(event.tool_name) ?? "tool";
    const params = obj(event.parameters);
    if (name === SHELL_TOOL) {
      const command = str(params?.command) ?? "";
      this.pending.set(id, { name, command });
      return { kind: "command", phase: "started", id, command };
    }
    const path = str(params?.file_path);
    this.pending.set(id, { name, ...(path ? { path } : {}) });
    const summary = toolSummary(params);
    return { kind: "tool", phase: "started", id, name, ...(summary ? { summary } : {}) };
  }

  private toolResult(event: Json): AgentEvent[] {
    const id = str(event.tool_id) ?? "";
    const tool = this.pending.get(id);
    this.pending.delete(id);
    const ok = event.status === "success";
    const output = str(event.output) ?? str(obj(event.error)?.message) ?? "";
    if (tool?.command !== undefined) {
      return [
        {
          kind: "command",
          phase: "completed",
          id,
          command: tool.command,
          output,
          ...(ok ? {} : { exit_code: null }),
        },
      ];
    }
    const name = tool?.name ?? "tool";
    const done: AgentEvent = { kind: "tool", phase: "completed", id, name };
    const kind = FILE_TOOLS.get(name);
    return kind && tool?.path && ok
      ? [done, { kind: "file_change", changes: [{ path: tool.path, kind }] }]
      : [done];
  }

  private result(event: Json): AgentEvent[] {
    this.finished = true;
    const out: AgentEvent[] = [];
    const stats = obj(event.stats);
    if (stats) out.push({ kind: "usage", usage: usageOf(stats) });
    if (event.status === "success") {
      const text = this.text;
      this.text = "";
      if (text) out.push({ kind: "message", text, final: true });
      out.push({ kind: "turn_completed", ok: true });
      return out;
    }
    const error = obj(event.error);
    const message = str(error?.message) ?? "the run failed";
    out.push(...this.releaseText());
    out.push({ kind: "error", message, fatal: true, cause: errorCause(message, num(error?.code)) });
    out.push({ kind: "turn_completed", ok: false, error: message });
    return out;
  }
}

function usageOf(stats: Json): AgentUsage {
  const usage: AgentUsage = {};
  const input = num(stats.input_tokens);
  const cached = num(stats.cached);
  const output = num(stats.output_tokens);
  const total = num(stats.total_tokens);
  if (input !== undefined) usage.input_tokens = input;
  if (cached !== undefined) usage.cached_input_tokens = cached;
  if (output !== undefined) usage.output_tokens = output;
  if (total !== undefined) usage.total_tokens = total;
  return usage;
}
