import type { TaskStore } from "../core/store.js";
import type { TaskMeta } from "../core/types.js";
import { type ProcessIdentity, processIdentity } from "../proc/liveness.js";
import { readJsonIfExists, writeJsonAtomic } from "../util/files.js";
import { nowIso } from "../util/time.js";

/** What the runner writes to its task's runner.json as it starts (core/types.ts RunnerRecord). */
export type StartRecord = ProcessIdentity & {
  readonly host: string;
  readonly launched_at: string;
  readonly ready_at: string;
};

/**
 * Tells observers this process runs the task: its runner record (pid and start time, so a crash
 * is told from a reused pid) and meta.json's `running`. Two files, written at once: observers
 * take either order (a running meta without a ready runner record reads as starting, and cancel
 * waits). Neither write fails the task; the meta as written is returned when it was.
 */
export async function recordStart(
  store: TaskStore,
  meta: TaskMeta,
): Promise<{ readonly record: StartRecord | null; readonly meta: TaskMeta }> {
  const runnerFile = store.layout.file(meta.task_id, "runner");
  const self = processIdentity(process.pid);
  const launched = await readJsonIfExists<{ launched_at?: string }>(runnerFile).catch(() => undefined);
  const record = self && {
    ...self,
    host: meta.host,
    launched_at: launched?.launched_at ?? nowIso(),
    ready_at: nowIso(),
  };
  const [, updated] = await Promise.all([
    record ? writeJsonAtomic(runnerFile, record).catch(() => undefined) : undefined,
    store
      .updateMeta(meta.task_id, (m) => {
        m.status = "running";
        m.started_at = nowIso();
      })
      .catch(() => undefined),
  ]);
  return { record, meta: updated ?? meta };
}
