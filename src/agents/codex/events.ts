/** The JSONL events `codex exec --json` prints (0.169.0, 0.171.0), loosely typed: unknown kinds pass through. */

export interface CodexUsage {
  input_tokens?: number;
  cached_input_tokens?: number;
  output_tokens?: number;
  reasoning_output_tokens?: number;
  [key: string]: unknown;
}

export interface FileChange {
  path: string;
  kind: string;
}

export type CodexItem =
  | { id?: string; type: "agent_message"; text: string }
  | { id?: string; type: "reasoning"; text: string }
  | {
      id?: string;
      type: "command_execution";
      command: string;
      aggregated_output?: string;
      exit_code?: number | null;
      status?: string;
    }
  | { id?: string; type: "file_change"; changes: FileChange[]; status?: string }
  | { id?: string; type: "mcp_tool_call"; server?: string; tool?: string; status?: string }
  | { id?: string; type: "web_search"; query?: string }
  | { id?: string; type: "todo_list"; items?: { text?: string; completed?: boolean }[] }
  | { id?: string; type: "error"; message: string }
  | { id?: string; type: string; [key: string]: unknown };

export type CodexEvent =
  | { type: "thread.started"; thread_id: string }
  | { type: "turn.started" }
  | { type: "turn.completed"; usage?: CodexUsage }
  | { type: "turn.failed"; error?: { message?: string } }
  | { type: "item.started" | "item.updated" | "item.completed"; item: CodexItem }
  | { type: "error"; message?: string }
  | { type: string; [key: string]: unknown };

/** The event types `codex exec --json` prints (0.169, 0.171). */
export const CODEX_EVENT_TYPES = [
  "thread.started",
  "turn.started",
  "turn.completed",
  "turn.failed",
  "item.started",
  "item.updated",
  "item.completed",
  "error",
] as const;

/** The item types its item.* events carry. */
export const CODEX_ITEM_TYPES = [
  "agent_message",
  "reasoning",
  "command_execution",
  "file_change",
  "mcp_tool_call",
  "web_search",
  "todo_list",
  "error",
] as const;

/** Parses one JSONL line; non-JSON lines (codex sometimes prints plain warnings) give undefined. */
export function parseEventLine(line: string): CodexEvent | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(trimmed) as unknown;
    if (value && typeof value === "object" && typeof (value as { type?: unknown }).type === "string") {
      return value as CodexEvent;
    }
  } catch {
    // a torn or foreign line
  }
  return undefined;
}

/** The item of an item.* event, or undefined. */
export function eventItem(event: CodexEvent): CodexItem | undefined {
  if (event.type.startsWith("item.") && "item" in event && event.item && typeof event.item === "object") {
    return event.item as CodexItem;
  }
  return undefined;
}

/** "item.completed:command_execution" style key used for filtering. */
export function eventKinds(event: CodexEvent): string[] {
  const item = eventItem(event);
  return item ? [event.type, item.type, `${event.type}:${item.type}`] : [event.type];
}
