import type { SnapshotChange } from "./snapshot.js";

export interface AuditViolation {
  readonly source: "event" | "snapshot";
  readonly kind: string;
  readonly path?: string;
  readonly command?: string;
  readonly detail: string;
}

export interface RestoreReport {
  /** The workspace was put back to its snapshot. */
  readonly restored: boolean;
  /** A fresh snapshot after restoring matches the one taken before the run. */
  readonly verified: boolean;
  /** Where the agent's changes are kept (a directory in the task, and for git a ref). */
  readonly saved_to: string;
  readonly saved_ref?: string;
  readonly how_to_recover: string;
  readonly remaining?: readonly string[];
  readonly errors?: readonly string[];
}

/** What `readonly_audit` holds on a result (compatible with the predecessor's four fields). */
export interface ReadonlyAudit {
  readonly mode: "fallback";
  readonly verdict: "CLEAN" | "VIOLATION";
  /** Exact count, even when the list below is cut. */
  readonly violations_detected: number;
  readonly violations: readonly AuditViolation[];
  readonly violations_listed: number;
  readonly snapshot: { readonly kind: "git" | "walk"; readonly root: string; readonly complete: boolean };
  readonly workspace: "unchanged" | "left as the agent left it" | "restored" | "restore failed";
  readonly restore?: RestoreReport;
  /**
   * Changes in the workspace during the task that the agent's events do not explain (the
   * user's own work, most likely): reported, never restored over.
   */
  readonly unattributed?: readonly {
    readonly kind: string;
    readonly path?: string;
    readonly detail: string;
  }[];
  readonly note: string;
}

export const MAX_LISTED_VIOLATIONS = 50;

export function snapshotViolations(changes: readonly SnapshotChange[]): AuditViolation[] {
  return changes.map((c) => ({
    source: "snapshot" as const,
    kind: c.kind,
    ...(c.path !== undefined ? { path: c.path } : {}),
    detail: c.detail,
  }));
}

/** Identical findings (same source, kind, path and command) count once. */
export function dedupeViolations(list: readonly AuditViolation[]): AuditViolation[] {
  const seen = new Set<string>();
  return list.filter((v) => {
    const key = JSON.stringify([v.source, v.kind, v.path ?? "", v.command ?? ""]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function buildAudit(input: {
  readonly violations: readonly AuditViolation[];
  readonly unattributed?: readonly SnapshotChange[];
  readonly snapshot: ReadonlyAudit["snapshot"];
  readonly restore?: RestoreReport | undefined;
  readonly restoreEnabled: boolean;
}): ReadonlyAudit {
  const all = dedupeViolations(input.violations);
  const violation = all.length > 0;
  const changed = all.some((v) => v.source === "snapshot");
  let workspace: ReadonlyAudit["workspace"] = changed ? "left as the agent left it" : "unchanged";
  if (input.restore) workspace = input.restore.restored ? "restored" : "restore failed";
  let note: string;
  if (!violation) note = "No write was attempted or detected.";
  else if (input.restore?.restored)
    note = `The workspace was restored to its state before the run; the agent's changes are kept in ${input.restore.saved_ref ?? input.restore.saved_to}.`;
  else if (input.restore)
    note = `Restoring the workspace failed: ${(input.restore.errors ?? []).join("; ")}. The agent's changes are kept in ${input.restore.saved_to}.`;
  else if (changed)
    note = `The workspace was left as the agent left it${input.restoreEnabled ? "" : " (set CODEXMCP_READONLY_FALLBACK_RESTORE=1 to have it restored automatically)"}.`;
  else
    note =
      "Writes were attempted (see the event findings) but the workspace snapshot shows no change inside the working directory; check paths outside it.";
  const others = input.unattributed ?? [];
  if (others.length > 0) {
    const list = others.slice(0, 5).map((c) => c.path ?? c.detail);
    note += ` ${others.length} change(s) happened in the workspace during the task that the agent's events do not explain (${list.join(", ")}${others.length > 5 ? ", …" : ""}): changed during the task, not attributed; left as they are.`;
  }
  return {
    mode: "fallback",
    verdict: violation ? "VIOLATION" : "CLEAN",
    violations_detected: all.length,
    violations: all.slice(0, MAX_LISTED_VIOLATIONS),
    violations_listed: Math.min(all.length, MAX_LISTED_VIOLATIONS),
    snapshot: input.snapshot,
    workspace,
    ...(input.restore ? { restore: input.restore } : {}),
    ...(others.length > 0
      ? {
          unattributed: others.slice(0, MAX_LISTED_VIOLATIONS).map((c) => ({
            kind: c.kind,
            ...(c.path !== undefined ? { path: c.path } : {}),
            detail: `${c.detail} (changed during the task, not attributed)`,
          })),
        }
      : {}),
    note,
  };
}
