import type { TaskMeta } from "../core/types.js";

/**
 * `postMortemAudit`, loaded on first use: only a server that recovers a crashed read-only
 * fallback task needs the audit's modules, and a server's start-up should not pay for them.
 */
export async function postMortemAudit(meta: TaskMeta, taskDir: string): Promise<unknown> {
  const audit = await import("./post-mortem.js");
  return audit.postMortemAudit(meta, taskDir);
}
