import { readFileSync } from "node:fs";
import path from "node:path";
import type { AgentEvent, AgentStreamReader } from "../../src/core/agent-events.js";

export const STREAMS = path.resolve(import.meta.dirname, "../fixtures/streams");

/** Every event a reader makes of a captured stream, line by line, then its end. */
export function readFixture(reader: AgentStreamReader, file: string): AgentEvent[] {
  return readText(reader, readFileSync(path.join(STREAMS, file), "utf8"));
}

export function readText(reader: AgentStreamReader, text: string): AgentEvent[] {
  const events = text.split("\n").flatMap((line) => reader.push(line));
  return [...events, ...reader.end()];
}

type Of<K extends AgentEvent["kind"]> = Extract<AgentEvent, { kind: K }>;

export function ofKind<K extends AgentEvent["kind"]>(events: readonly AgentEvent[], kind: K): Of<K>[] {
  return events.filter((e): e is Of<K> => e.kind === kind);
}

/** The session ids the events name (one, for a well-formed stream). */
export function sessionIds(events: readonly AgentEvent[]): string[] {
  return ofKind(events, "session").map((e) => e.session_id);
}

export function finalText(events: readonly AgentEvent[]): string | undefined {
  const finals = ofKind(events, "message").filter((m) => m.final);
  if (finals.length > 1) throw new Error(`${finals.length} final messages`);
  return finals[0]?.text;
}

export function completedCommands(events: readonly AgentEvent[]): Of<"command">[] {
  return ofKind(events, "command").filter((c) => c.phase === "completed");
}

/** The run's outcome: the one turn_completed event (there must be exactly one). */
export function outcome(events: readonly AgentEvent[]): Of<"turn_completed"> {
  const ends = ofKind(events, "turn_completed");
  if (ends.length !== 1) throw new Error(`${ends.length} turn_completed events`);
  return ends[0] as Of<"turn_completed">;
}

/** Usage summed over the events (a cumulative event replaces what came before). */
export function totalUsage(events: readonly AgentEvent[]): { usage: Record<string, number>; cost?: number } {
  let usage: Record<string, number> = {};
  let cost: number | undefined;
  for (const e of ofKind(events, "usage")) {
    if (e.cumulative) {
      usage = { ...e.usage } as Record<string, number>;
      cost = e.cost_usd;
      continue;
    }
    for (const [k, v] of Object.entries(e.usage)) usage[k] = (usage[k] ?? 0) + (v ?? 0);
    if (e.cost_usd !== undefined) cost = (cost ?? 0) + e.cost_usd;
  }
  return { usage, ...(cost !== undefined ? { cost } : {}) };
}
