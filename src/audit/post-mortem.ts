import type { TaskMeta } from "../core/types.js";
import { computeFallbackAudit, readSavedSnapshot } from "./fallback.js";

/**
 * The read-only audit of a fallback task whose runner died: from the snapshot the runner saved
 * before the agent started (no restore here). Lent to the task layer through the store.
 */
export async function postMortemAudit(meta: TaskMeta, taskDir: string): Promise<unknown> {
  if (!meta.readonly_fallback) return undefined;
  const before = await readSavedSnapshot(taskDir).catch(() => undefined);
  return before ? computeFallbackAudit({ meta, taskDir, before }).catch(() => undefined) : undefined;
}
