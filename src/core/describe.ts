import type { AgentEvent, AgentUsage } from "./agent-events.js";

/** Text on one line, cut to `max` characters. */
export function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function describeUsage(usage: AgentUsage | undefined | null, costUsd?: number | null): string {
  if (!usage) return "";
  const parts = [`in ${usage.input_tokens ?? 0}`];
  if (usage.cached_input_tokens) parts.push(`cached ${usage.cached_input_tokens}`);
  parts.push(`out ${usage.output_tokens ?? 0}`);
  if (usage.reasoning_output_tokens) parts.push(`reasoning ${usage.reasoning_output_tokens}`);
  const cost = typeof costUsd === "number" ? ` · $${costUsd.toFixed(4)}` : "";
  return `tokens ${parts.join(", ")}${cost}`;
}

/**
 * One short human-readable line for a normalized event (progress messages, status, watch), or
 * undefined when the event says nothing a person would want to see.
 */
export function describeEvent(event: AgentEvent): string | undefined {
  switch (event.kind) {
    case "session":
      return `session ${event.session_id} started`;
    case "turn_started":
      return "turn started";
    case "message":
      return `says: ${oneLine(event.text)}`;
    case "reasoning":
      return `thinking: ${oneLine(event.text, 120)}`;
    case "command": {
      const cmd = oneLine(event.command, 140);
      if (event.denied) return `refused to run: ${cmd}`;
      return event.phase === "started" ? `running: ${cmd}` : `ran (exit ${event.exit_code ?? "?"}): ${cmd}`;
    }
    case "file_change":
      return `edited: ${oneLine(event.changes.map((c) => `${c.kind} ${c.path}`).join(", "))}`;
    case "tool":
      if (event.denied) return `refused tool ${event.name}`;
      return event.phase === "started"
        ? `calling ${event.name}${event.summary ? `: ${oneLine(event.summary, 100)}` : ""}`
        : undefined;
    case "usage":
      return undefined;
    case "error":
      return `${event.fatal ? "error" : "warning"}: ${oneLine(event.message)}`;
    case "retry":
      return `retrying the model connection: ${oneLine(event.message)}`;
    case "turn_completed":
      return event.ok ? "turn completed" : `turn failed: ${oneLine(event.error ?? "unknown error")}`;
  }
}

const OUTPUT_LINES = 12;

/**
 * Transcript lines (the tmux pane and the log): like describeEvent, with whole messages and the
 * head of each command's output. `speaker` names the agent ("codex", "claude", …).
 */
export function transcriptLines(event: AgentEvent, speaker: string): string[] {
  if (event.kind === "message") return [`${speaker}:`, ...event.text.split("\n").map((l) => `  ${l}`)];
  if (event.kind === "command" && event.phase === "completed" && event.output) {
    const head = describeEvent(event) ?? "";
    const lines = event.output.replace(/\n$/, "").split("\n");
    const shown =
      lines.length > OUTPUT_LINES
        ? [...lines.slice(0, OUTPUT_LINES), `… ${lines.length - OUTPUT_LINES} more lines`]
        : lines;
    return [head, ...shown.map((l) => `  │ ${l}`)];
  }
  if (event.kind === "usage") return [];
  const line = describeEvent(event);
  return line ? [line] : [];
}
