import { createReadStream } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { unwrapShell } from "../agents/codex/describe.js";
import { eventItem, parseEventLine } from "../agents/codex/events.js";
import type { AuditViolation } from "./audit.js";
import { findCommandWrites } from "./command-audit.js";

/** A path as the audit reports it: relative to the audited root when inside it. */
export function auditPath(p: string, runDir: string, root: string): string {
  const abs = path.resolve(runDir, p);
  const rel = path.relative(root, abs);
  return rel === "" ? "." : rel.startsWith("..") || path.isAbsolute(rel) ? abs : rel;
}

/**
 * Reads a task's events.jsonl (streaming: it may be large) and reports every write Codex made
 * or attempted: each file_change item and each command that writes. An item is judged once,
 * by its id, even though Codex reports it when it starts and when it completes.
 */
export async function auditEvents(
  eventsFile: string,
  runDir: string,
  root: string,
): Promise<AuditViolation[]> {
  const seen = new Set<string>();
  const violations: AuditViolation[] = [];
  const lines = createInterface({
    input: createReadStream(eventsFile).on("error", () => undefined),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const pending = new Map<string, AuditViolation[]>();
  let anonymous = 0;
  for await (const line of lines) {
    const event = parseEventLine(line);
    if (!event) continue;
    const item = eventItem(event);
    if (!item || (event.type !== "item.started" && event.type !== "item.completed")) continue;
    const id = typeof item.id === "string" ? item.id : `anonymous-${anonymous++}`;
    if (seen.has(id)) continue;
    const found: AuditViolation[] = [];
    if (item.type === "file_change" && Array.isArray(item.changes)) {
      for (const change of item.changes as { path?: unknown; kind?: unknown }[]) {
        const p = auditPath(String(change.path ?? ""), runDir, root);
        found.push({
          source: "event",
          kind: "file_change",
          path: p,
          detail: `Codex applied a file change: ${String(change.kind ?? "edit")} ${p}`,
        });
      }
    } else if (item.type === "command_execution" && typeof item.command === "string") {
      const command = unwrapShell(item.command);
      for (const f of findCommandWrites(command)) {
        found.push({
          source: "event",
          kind: f.kind,
          ...(f.path !== undefined ? { path: auditPath(f.path, runDir, root) } : {}),
          command,
          detail: f.detail,
        });
      }
    } else continue;
    // A started item is judged when it completes; one that never completes (killed) is
    // judged from its start.
    if (event.type === "item.completed") {
      seen.add(id);
      pending.delete(id);
      violations.push(...found);
    } else pending.set(id, found);
  }
  for (const found of pending.values()) violations.push(...found);
  return violations;
}
