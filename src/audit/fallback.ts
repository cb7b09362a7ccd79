import { promises as fsp } from "node:fs";
import path from "node:path";
import { loadDriver } from "../agents/registry.js";
import type { RunnerHooks } from "../core/runner-hooks.js";
import type { TaskMeta } from "../core/types.js";
import { readJsonIfExists, writeJsonAtomic } from "../util/files.js";
import { attributeChanges } from "./attribution.js";
import { buildAudit, type ReadonlyAudit, type RestoreReport, snapshotViolations } from "./audit.js";
import { auditEvents } from "./event-audit.js";
import { type GitRestorePoint, prepareGitRestore, restoreGit } from "./restore-git.js";
import { prepareWalkRestore, restoreWalk, type WalkRestorePoint } from "./restore-walk.js";
import { committedChanges, diffSnapshots, takeSnapshot, type WorkspaceSnapshot } from "./snapshot.js";

const STATE_DIR = "readonly-audit";

function stateDir(taskDir: string): string {
  return path.join(taskDir, STATE_DIR);
}

/**
 * Compares the workspace with the snapshot taken before the run and audits the events; with a
 * restore point and a change found, restores the workspace (the agent's changes kept).
 */
export async function computeFallbackAudit(input: {
  readonly meta: TaskMeta;
  readonly taskDir: string;
  readonly before: WorkspaceSnapshot;
  readonly point?: GitRestorePoint | WalkRestorePoint | undefined;
}): Promise<ReadonlyAudit> {
  const { meta, before } = input;
  const after = await takeSnapshot(meta.run_dir);
  const changes = [...diffSnapshots(before, after), ...(await committedChanges(before, after))];
  const events = await auditEvents(
    path.join(input.taskDir, "events.jsonl"),
    meta.run_dir,
    before.root,
    await loadDriver(meta.agent),
  );
  // Only what the agent's events explain is the agent's; the user's own work during the task
  // is reported apart and never restored over.
  const { attributed, unattributed } = attributeChanges(changes, events);
  const violations = [...events, ...snapshotViolations(attributed)];
  let restore: RestoreReport | undefined;
  if (attributed.length > 0 && input.point) {
    const dir = path.join(stateDir(input.taskDir), "agent-changes");
    if (before.kind === "git" && after.kind === "git" && "tree" in input.point) {
      restore = await restoreGit({
        taskId: meta.task_id,
        before,
        after,
        point: input.point,
        changes: attributed,
        stateDir: dir,
      });
    } else if (before.kind === "walk" && "copied" in input.point) {
      restore = await restoreWalk({ before, point: input.point, changes: attributed, stateDir: dir });
    }
  }
  return buildAudit({
    violations,
    unattributed,
    snapshot: { kind: before.kind, root: before.root, complete: before.kind === "git" || !before.truncated },
    restore,
    restoreEnabled: meta.readonly_fallback_restore === true,
  });
}

/** The before-snapshot of a task, if its runner got far enough to take one. */
export function readSavedSnapshot(taskDir: string): Promise<WorkspaceSnapshot | undefined> {
  return readJsonIfExists<WorkspaceSnapshot>(path.join(stateDir(taskDir), "before.json"));
}

/** Runner hooks for a read-only task in fallback mode: snapshot before, audit (and restore) after. */
export function readonlyFallbackHooks(meta: TaskMeta, taskDir: string): RunnerHooks {
  let before: WorkspaceSnapshot | undefined;
  let point: GitRestorePoint | WalkRestorePoint | undefined;
  return {
    beforeAgent: async ({ transcript }) => {
      before = await takeSnapshot(meta.run_dir);
      await fsp.mkdir(stateDir(taskDir), { recursive: true, mode: 0o700 });
      await writeJsonAtomic(path.join(stateDir(taskDir), "before.json"), before);
      if (meta.readonly_fallback_restore) {
        point =
          before.kind === "git"
            ? await prepareGitRestore(before.root, stateDir(taskDir))
            : await prepareWalkRestore(before, stateDir(taskDir));
      }
      const extent =
        before.kind === "git"
          ? `git work tree, ${Object.keys(before.dirty).length} changed/untracked path(s)`
          : `${Object.keys(before.entries).length} entries${before.truncated ? ", walk cut at its limit" : ""}`;
      transcript.line(
        `read-only fallback: the agent runs without its sandbox; snapshot of ${before.root} taken (${extent})${meta.readonly_fallback_restore ? ", restore on violation" : ""}`,
      );
    },
    afterAgent: async ({ transcript }) => {
      if (!before) return {};
      const audit = await computeFallbackAudit({ meta, taskDir, before, point });
      transcript.line(
        `read-only audit: ${audit.verdict} (${audit.violations_detected} finding(s)); workspace ${audit.workspace}`,
      );
      for (const v of audit.violations.slice(0, 10)) transcript.line(`  ${v.source}: ${v.detail}`);
      if (audit.restore) transcript.line(`  ${audit.restore.how_to_recover}`);
      return { audit };
    },
  };
}
