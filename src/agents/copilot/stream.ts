import type { AgentEvent, AgentStreamReader } from "../../core/agent-events.js";
import { errorCause } from "../error-cause.js";
import { HeldMessage, type Json, num, obj, parseJsonLine, str, toolSummary } from "../stream-common.js";

/**
 * GitHub Copilot CLI's `--output-format json` (1.0.102): `session.*`, `user.message`,
 * `assistant.turn_start`/`turn_end` around each model call, `assistant.message` (text and/or
 * `toolRequests`), `tool.execution_start` … `tool.shell_output` … `tool.execution_complete`,
 * `session.error`, and a closing `result` with `sessionId` and `exitCode`.
 *
 * The session id appears only in `result` (fix it up front with `--session-id` to know it
 * earlier). The answer is the last `assistant.message` with text. A shell call's exit code is
 * `shellExecution.exitCode`; a call refused by the permission rules completes with
 * `success: false` and `error.code: "denied"`. Usage is not in the stream: see `usage.ts`.
 */
const SHELL_TOOL = "bash";
const FILE_TOOLS = new Map([
  ["create", "add"],
  ["edit", "update"],
  ["str_replace_editor", "update"],
]);

interface PendingTool {
  readonly name: string;
  readonly command?: string;
  readonly path?: string;
  output: string;
}

export class CopilotStreamReader implements AgentStreamReader {
  private readonly pending = new Map<string, PendingTool>();
  private readonly held = new HeldMessage();
  private turnStarted = false;
  private lastError: string | undefined;
  private finished = false;

  push(line: string): AgentEvent[] {
    const event = parseJsonLine(line);
    if (!event) return [];
    const data = obj(event.data) ?? {};
    switch (event.type) {
      case "assistant.turn_start":
        if (this.turnStarted) return [];
        this.turnStarted = true;
        return [{ kind: "turn_started" }];
      case "assistant.message": {
        const text = str(data.content);
        return text ? this.held.hold(text) : [];
      }
      case "assistant.reasoning": {
        const text = str(data.content);
        return text ? [{ kind: "reasoning", text }] : [];
      }
      case "tool.execution_start":
        return [...this.held.release(), this.started(data)];
      case "tool.shell_output": {
        const tool = this.pending.get(str(data.toolCallId) ?? "");
        if (tool) tool.output += str(data.text) ?? "";
        return [];
      }
      case "tool.execution_complete":
        return this.completed(data);
      case "session.error": {
        const message = str(data.message) ?? "error";
        this.lastError = message;
        return [{ kind: "error", message, fatal: true, cause: errorCause(message, num(data.statusCode)) }];
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
      ...this.held.release(),
      { kind: "turn_completed", ok: false, error: "the stream ended without a result" },
    ];
  }

  private started(data: Json): AgentEvent {
    const id = str(data.toolCallId) ?? "";
    const name = str(data.toolName) ?? "tool";
    const args = obj(data.arguments);
    if (name === SHELL_TOOL) {
      const command = str(args?.command) ?? "";
      this.pending.set(id, { name, command, output: "" });
      return { kind: "command", phase: "started", id, command };
    }
    const path = str(args?.path);
    this.pending.set(id, { name, output: "", ...(path ? { path } : {}) });
    const summary = toolSummary(args);
    return { kind: "tool", phase: "started", id, name, ...(summary ? { summary } : {}) };
  }

  private completed(data: Json): AgentEvent[] {
    const id = str(data.toolCallId) ?? "";
    const tool = this.pending.get(id);
    this.pending.delete(id);
    const error = obj(data.error);
    const denied = data.success === false && error?.code === "denied";
    if (tool?.command !== undefined) {
      const exit = num(obj(data.shellExecution)?.exitCode);
      // The streamed stdout/stderr, not the model-facing text with its "<shellId: …>" trailer.
      const output = data.success === false ? (str(error?.message) ?? "") : tool.output || resultText(data);
      return [
        {
          kind: "command",
          phase: "completed",
          id,
          command: tool.command,
          exit_code: exit ?? null,
          output,
          ...(denied ? { denied: true } : {}),
        },
      ];
    }
    const name = tool?.name ?? "tool";
    const done: AgentEvent = {
      kind: "tool",
      phase: "completed",
      id,
      name,
      ...(denied ? { denied: true } : {}),
    };
    const kind = FILE_TOOLS.get(name);
    if (!kind || !tool?.path || data.success !== true) return [done];
    return [done, { kind: "file_change", changes: [{ path: tool.path, kind }] }];
  }

  private result(event: Json): AgentEvent[] {
    this.finished = true;
    const out: AgentEvent[] = [];
    const id = str(event.sessionId);
    if (id) out.push({ kind: "session", session_id: id });
    const exitCode = num(event.exitCode);
    if (exitCode === 0) {
      out.push(...this.held.finish(), { kind: "turn_completed", ok: true });
      return out;
    }
    const error = this.lastError ?? `copilot exited with code ${exitCode ?? "unknown"}`;
    out.push(...this.held.release(), { kind: "turn_completed", ok: false, error });
    return out;
  }
}

function resultText(data: Json): string {
  return str(obj(data.result)?.content) ?? "";
}
