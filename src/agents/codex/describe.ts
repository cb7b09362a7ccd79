import { type CodexEvent, type CodexItem, type CodexUsage, eventItem } from "./events.js";

/** `/bin/bash -lc 'echo hi'` → `echo hi`: codex wraps every command in a login shell. */
export function unwrapShell(command: string): string {
  const single = /^\S*\/(?:ba|z)?sh -l?c '([\s\S]*)'$/.exec(command);
  if (single?.[1] !== undefined) return single[1].replaceAll(`'\\''`, "'");
  const double = /^\S*\/(?:ba|z)?sh -l?c "([\s\S]*)"$/.exec(command);
  if (double?.[1] !== undefined) return double[1].replace(/\\(["\\$`])/g, "$1");
  return command;
}

export function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function describeUsage(usage: CodexUsage | undefined | null): string {
  if (!usage) return "";
  const parts = [`in ${usage.input_tokens ?? 0}`];
  if (usage.cached_input_tokens) parts.push(`cached ${usage.cached_input_tokens}`);
  parts.push(`out ${usage.output_tokens ?? 0}`);
  if (usage.reasoning_output_tokens) parts.push(`reasoning ${usage.reasoning_output_tokens}`);
  return `tokens ${parts.join(", ")}`;
}

function describeChanges(item: Extract<CodexItem, { type: "file_change" }>): string {
  return (item.changes ?? []).map((c) => `${c.kind} ${c.path}`).join(", ");
}

function describeItem(phase: string, item: CodexItem): string | undefined {
  switch (item.type) {
    case "agent_message":
      return phase === "item.completed" ? `says: ${oneLine(String(item.text ?? ""))}` : undefined;
    case "reasoning":
      return phase === "item.completed" ? `thinking: ${oneLine(String(item.text ?? ""), 120)}` : undefined;
    case "command_execution": {
      const cmd = oneLine(unwrapShell(String(item.command ?? "")), 140);
      if (phase === "item.started") return `running: ${cmd}`;
      if (phase === "item.completed") return `ran (exit ${item.exit_code ?? "?"}): ${cmd}`;
      return undefined;
    }
    case "file_change":
      return phase === "item.completed"
        ? `edited: ${oneLine(describeChanges(item as Extract<CodexItem, { type: "file_change" }>))}`
        : undefined;
    case "mcp_tool_call":
      return phase === "item.started"
        ? `calling tool ${String(item.server ?? "?")}.${String(item.tool ?? "?")}`
        : undefined;
    case "web_search":
      return `searching the web: ${oneLine(String(item.query ?? ""), 100)}`;
    case "todo_list": {
      const items = Array.isArray(item.items) ? (item.items as { completed?: boolean }[]) : [];
      return `plan: ${items.filter((i) => i.completed).length}/${items.length} steps done`;
    }
    case "error":
      return `warning: ${oneLine(String(item.message ?? ""))}`;
    default:
      return undefined;
  }
}

/** One short human-readable line for an event (progress messages, status), or undefined if it says nothing new. */
export function describeEvent(event: CodexEvent): string | undefined {
  const item = eventItem(event);
  if (item) return describeItem(event.type, item);
  switch (event.type) {
    case "thread.started":
      return `session ${String((event as { thread_id?: unknown }).thread_id ?? "")} started`;
    case "turn.started":
      return "turn started";
    case "turn.completed":
      return `turn completed (${describeUsage((event as { usage?: CodexUsage }).usage)})`;
    case "turn.failed":
      return `turn failed: ${oneLine(String((event as { error?: { message?: unknown } }).error?.message ?? "unknown error"))}`;
    case "error":
      return `error: ${oneLine(String((event as { message?: unknown }).message ?? ""))}`;
    default:
      return undefined;
  }
}

const OUTPUT_LINES = 12;

/** Transcript lines (the tmux pane and codex-exec.log): like describeEvent, with command output and full messages. */
export function transcriptLines(event: CodexEvent): string[] {
  const item = eventItem(event);
  if (item && event.type === "item.completed") {
    if (item.type === "agent_message")
      return [
        "codex:",
        ...String(item.text ?? "")
          .split("\n")
          .map((l) => `  ${l}`),
      ];
    if (item.type === "command_execution") {
      const head = describeItem(event.type, item) ?? "";
      const out = String(item.aggregated_output ?? "").replace(/\n$/, "");
      if (!out) return [head];
      const lines = out.split("\n");
      const shown =
        lines.length > OUTPUT_LINES
          ? [...lines.slice(0, OUTPUT_LINES), `… ${lines.length - OUTPUT_LINES} more lines`]
          : lines;
      return [head, ...shown.map((l) => `  │ ${l}`)];
    }
  }
  const line = describeEvent(event);
  return line ? [line] : [];
}
