import { existsSync } from "node:fs";
import { loadDriver } from "../agents/registry.js";
import { summarizeEventsFile } from "../agents/stream-file.js";
import { cancelSentence, readCancelRequest } from "../core/cancel-request.js";
import { buildResult } from "../core/result.js";
import type { TaskStore } from "../core/store.js";
import { processTagOf } from "../core/task-tag.js";
import type { TaskMeta } from "../core/types.js";
import { placementDiff } from "../git/placement-diff.js";
import type { HostResolver } from "../hosts/host.js";
import { killTree } from "../proc/tree.js";

/**
 * Ends a task whose runner is gone without a result (killed, crashed, machine rebooted, or
 * never started): stops anything of it still alive, then records the outcome from what its
 * files show — `cancelled` when a cancel was requested (whatever then killed the runner),
 * `failed` otherwise. Any server process may do this; the write-once result keeps it single.
 */
export async function recoverDeadTask(
  store: TaskStore,
  meta: TaskMeta,
  reason: string,
  hosts?: HostResolver,
): Promise<boolean> {
  await killTree({ roots: [], tag: processTagOf(meta), graceMs: 1000 });
  if (hosts) await hosts.hostOf(meta).close(meta);
  // The runner got as far as its outcome but could not record it (a full disk): that is the truth.
  const pending = await store.pendingOutcome(meta.task_id);
  if (pending) return store.finalize(pending);
  const cancelFile = store.layout.file(meta.task_id, "cancel");
  const cancelled = existsSync(cancelFile);
  const request = cancelled ? await readCancelRequest(cancelFile) : undefined;
  const summary = await summarizeEventsFile(
    await loadDriver(meta.agent),
    store.layout.file(meta.task_id, "events"),
  );
  // A fallback task's audit still runs from the snapshot the runner saved (no restore here).
  const audit = meta.readonly_fallback
    ? await store.services.postMortemAudit?.(meta, store.layout.taskDir(meta.task_id))
    : undefined;
  const result = buildResult(meta, {
    audit,
    status: cancelled ? "cancelled" : "failed",
    exitCode: null,
    signal: null,
    error: cancelled ? `${cancelSentence(request)}; ${reason}` : reason,
    summary,
    diff: await placementDiff(meta.git),
    finalizedBy: cancelled ? "cancel" : "recovery",
  });
  return store.finalize(result);
}
