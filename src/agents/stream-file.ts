import type { AgentEvent } from "../core/agent-events.js";
import { describeEvent } from "../core/describe.js";
import { RunSummary, type RunSummaryData } from "../core/summary.js";
import { readHead, readTail } from "../util/tail.js";
import type { AgentDriver } from "./agent.js";

/**
 * Normalized events of some raw lines (a stateful reader per call: lines are read in order).
 * `ended`: the stream is complete, so what the reader held back is released too; a stream that
 * is still being written must not be "ended" (a reader would call its last turn unfinished).
 */
export function normalizeLines(driver: AgentDriver, lines: Iterable<string>, ended: boolean): AgentEvent[] {
  const reader = driver.streamReader();
  const out: AgentEvent[] = [];
  for (const line of lines) if (line.trim()) out.push(...reader.push(line));
  if (ended) out.push(...reader.end());
  return out;
}

/** The session id an events file announces near its start, or null. */
export async function sessionIdFromEvents(driver: AgentDriver, file: string): Promise<string | null> {
  const head = await readHead(file, 16 * 1024);
  const reader = driver.streamReader();
  for (const line of head.split("\n")) {
    if (!line.trim()) continue;
    const session = reader.push(line).find((e) => e.kind === "session");
    if (session?.kind === "session") return session.session_id;
  }
  return null;
}

/**
 * Summary of an events file without reading all of it: the session from its head, the rest from
 * its last megabyte. For tasks whose runner died before writing a result.
 */
export async function summarizeEventsFile(
  driver: AgentDriver,
  file: string,
  tailBytes = 1024 * 1024,
): Promise<RunSummaryData> {
  const summary = new RunSummary();
  const session = await sessionIdFromEvents(driver, file);
  if (session) summary.push({ kind: "session", session_id: session });
  const { text } = await readTail(file, tailBytes);
  // The agent is gone (its runner died): its stream will not grow any more.
  for (const event of normalizeLines(driver, text.split("\n"), true)) summary.push(event);
  return summary.data();
}

/** The last `count` human-readable event lines, from at most the last 256 KiB of events. */
export async function recentEvents(driver: AgentDriver, file: string, count: number): Promise<string[]> {
  const { text } = await readTail(file, 256 * 1024);
  const lines: string[] = [];
  for (const event of normalizeLines(driver, text.split("\n"), false)) {
    const said = describeEvent(event);
    if (said) lines.push(said);
  }
  return lines.slice(-count);
}
