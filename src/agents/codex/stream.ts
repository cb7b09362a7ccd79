import type { AgentErrorCause, AgentEvent, AgentStreamReader, AgentUsage } from "../../core/agent-events.js";
import { errorCause } from "../error-cause.js";
import { type CodexEvent, type CodexItem, eventItem, parseEventLine } from "./events.js";

/** `/bin/bash -lc 'echo hi'` → `echo hi`: codex wraps every command in a login shell. */
export function unwrapShell(command: string): string {
  const single = /^\S*\/(?:ba|z)?sh -l?c '([\s\S]*)'$/.exec(command);
  if (single?.[1] !== undefined) return single[1].replaceAll(`'\\''`, "'");
  const double = /^\S*\/(?:ba|z)?sh -l?c "([\s\S]*)"$/.exec(command);
  if (double?.[1] !== undefined) return double[1].replace(/\\(["\\$`])/g, "$1");
  return command;
}

const RECONNECTING = /^reconnecting\b/i;

/**
 * Why a model request of Codex failed. Codex relays its HTTP client's words (status codes,
 * "stream disconnected", "error sending request"), which the shared rules read; these are
 * Codex's own phrases (0.169/0.171): a provider whose `env_key` variable is unset, the retry
 * loop it enters when no connection can be made at all, and the ChatGPT plan's limit.
 */
export function codexErrorCause(message: string): AgentErrorCause {
  if (/missing environment variable/i.test(message)) return "auth";
  if (/waiting for network/i.test(message)) return "network";
  if (/usage limit/i.test(message)) return "rate_limit";
  return errorCause(message);
}

/**
 * A retry line: "Reconnecting... 2/5 (<why>)" after a failed request or a dropped stream, and
 * "Reconnecting... waiting for network (<why>)" when no connection can be made, which Codex
 * repeats forever with a growing pause (its retry limits do not apply to it).
 */
function retryEvent(message: string): AgentEvent {
  const attempt = /^reconnecting\S*\s+(\d+)\s*\/\s*\d+/i.exec(message)?.[1];
  return {
    kind: "retry",
    message,
    ...(attempt ? { attempt: Number(attempt) } : {}),
    cause: codexErrorCause(message),
  };
}

function usageOf(raw: Record<string, unknown> | undefined): AgentUsage {
  const n = (k: string) => (typeof raw?.[k] === "number" ? (raw[k] as number) : undefined);
  const usage: AgentUsage = {};
  const fields = [
    ["input_tokens", "input_tokens"],
    ["cached_input_tokens", "cached_input_tokens"],
    ["output_tokens", "output_tokens"],
    ["reasoning_output_tokens", "reasoning_output_tokens"],
  ] as const;
  for (const [from, to] of fields) {
    const v = n(from);
    if (v !== undefined) usage[to] = v;
  }
  return usage;
}

function itemEvents(phase: string, item: CodexItem): AgentEvent[] {
  const id = typeof item.id === "string" ? item.id : undefined;
  const started = phase === "item.started";
  const completed = phase === "item.completed";
  switch (item.type) {
    case "agent_message":
      return completed ? [{ kind: "message", text: String(item.text ?? "") }] : [];
    case "reasoning":
      return completed ? [{ kind: "reasoning", text: String(item.text ?? "") }] : [];
    case "command_execution": {
      if (!started && !completed) return [];
      const command = unwrapShell(String(item.command ?? ""));
      if (started) return [{ kind: "command", phase: "started", ...(id ? { id } : {}), command }];
      return [
        {
          kind: "command",
          phase: "completed",
          ...(id ? { id } : {}),
          command,
          exit_code: typeof item.exit_code === "number" ? item.exit_code : null,
          output: String(item.aggregated_output ?? ""),
        },
      ];
    }
    case "file_change": {
      if (!completed) return [];
      const changes = Array.isArray(item.changes)
        ? (item.changes as { path?: unknown; kind?: unknown }[])
        : [];
      return [
        {
          kind: "file_change",
          changes: changes.map((c) => ({ path: String(c.path ?? ""), kind: String(c.kind ?? "update") })),
        },
      ];
    }
    case "mcp_tool_call":
      return started || completed
        ? [
            {
              kind: "tool",
              phase: started ? "started" : "completed",
              ...(id ? { id } : {}),
              name: `${String(item.server ?? "?")}.${String(item.tool ?? "?")}`,
            },
          ]
        : [];
    case "web_search":
      return started
        ? [{ kind: "tool", phase: "started", name: "web_search", summary: String(item.query ?? "") }]
        : [];
    case "todo_list": {
      if (!started && !completed) return [];
      const items = Array.isArray(item.items) ? (item.items as { completed?: boolean }[]) : [];
      const done = items.filter((i) => i.completed).length;
      return [
        { kind: "tool", phase: "started", name: "plan", summary: `${done}/${items.length} steps done` },
      ];
    }
    case "error":
      return [{ kind: "error", message: String(item.message ?? ""), fatal: false }];
    default:
      return [];
  }
}

/** Codex's `exec --json` stream (0.169/0.171) as normalized events. */
export function codexEvents(event: CodexEvent): AgentEvent[] {
  const item = eventItem(event);
  if (item) return itemEvents(event.type, item);
  switch (event.type) {
    case "thread.started": {
      const id = String((event as { thread_id?: unknown }).thread_id ?? "");
      return id ? [{ kind: "session", session_id: id }] : [];
    }
    case "turn.started":
      return [{ kind: "turn_started" }];
    case "turn.completed":
      return [
        { kind: "usage", usage: usageOf((event as { usage?: Record<string, unknown> }).usage) },
        { kind: "turn_completed", ok: true },
      ];
    case "turn.failed": {
      const message = String((event as { error?: { message?: unknown } }).error?.message ?? "turn failed");
      return [
        { kind: "error", message, fatal: true, cause: codexErrorCause(message) },
        { kind: "turn_completed", ok: false, error: message },
      ];
    }
    case "error": {
      const message = String((event as { message?: unknown }).message ?? "");
      if (RECONNECTING.test(message)) return [retryEvent(message)];
      return [{ kind: "error", message, fatal: false, cause: codexErrorCause(message) }];
    }
    default:
      return [];
  }
}

export class CodexStreamReader implements AgentStreamReader {
  push(line: string): AgentEvent[] {
    const event = parseEventLine(line);
    return event ? codexEvents(event) : [];
  }

  end(): AgentEvent[] {
    return [];
  }
}
