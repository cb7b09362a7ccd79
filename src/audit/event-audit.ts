import { createReadStream } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import type { AgentDriver } from "../agents/agent.js";
import type { AgentEvent } from "../core/agent-events.js";
import type { AuditViolation } from "./audit.js";
import { findCommandWrites } from "./command-audit.js";

/** A path as the audit reports it: relative to the audited root when inside it. */
export function auditPath(p: string, runDir: string, root: string): string {
  const abs = path.resolve(runDir, p);
  const rel = path.relative(root, abs);
  return rel === "" ? "." : rel.startsWith("..") || path.isAbsolute(rel) ? abs : rel;
}

/** The writes one normalized event shows (file changes, and commands that write). */
function writesOf(event: AgentEvent, label: string, runDir: string, root: string): AuditViolation[] {
  if (event.kind === "file_change") {
    return event.changes.map((change) => {
      const p = auditPath(change.path, runDir, root);
      return {
        source: "event" as const,
        kind: "file_change",
        path: p,
        detail: `${label} applied a file change: ${change.kind} ${p}`,
      };
    });
  }
  if (event.kind === "command" && !event.denied) {
    return findCommandWrites(event.command).map((f) => ({
      source: "event" as const,
      kind: f.kind,
      ...(f.path !== undefined ? { path: auditPath(f.path, runDir, root) } : {}),
      command: event.command,
      detail: f.detail,
    }));
  }
  return [];
}

/**
 * Reads a task's events.jsonl (streaming: it may be large) through its agent's reader and
 * reports every write the agent made or attempted: each file change and each command that
 * writes. A command is judged once, by its id, even though agents report it when it starts and
 * when it completes; one that never completes (killed) is judged from its start.
 */
export async function auditEvents(
  eventsFile: string,
  runDir: string,
  root: string,
  driver: AgentDriver,
): Promise<AuditViolation[]> {
  const reader = driver.streamReader();
  const violations: AuditViolation[] = [];
  const pending = new Map<string, AuditViolation[]>();
  const judged = new Set<string>();
  const take = (event: AgentEvent) => {
    if (event.kind === "command" && event.id !== undefined) {
      if (judged.has(event.id)) return;
      const found = writesOf(event, driver.label, runDir, root);
      if (event.phase === "completed") {
        judged.add(event.id);
        pending.delete(event.id);
        violations.push(...found);
      } else pending.set(event.id, found);
      return;
    }
    violations.push(...writesOf(event, driver.label, runDir, root));
  };
  const lines = createInterface({
    input: createReadStream(eventsFile).on("error", () => undefined),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    if (!line.trim()) continue;
    for (const event of reader.push(line)) take(event);
  }
  for (const event of reader.end()) take(event);
  for (const found of pending.values()) violations.push(...found);
  return violations;
}
