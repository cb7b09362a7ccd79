import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { TASK_ID_ENV, type TaskMeta } from "./types.js";

/**
 * The environment variable every process of a task carries, and that cancel, timeouts and crash
 * recovery look for in /proc to find processes that left the task's process tree. Its value is
 * unique per run and per state directory: `<task_id>:<run nonce>:<hash of CODEXMCP_HOME>`, so
 * two codexmcp instances (two homes) running the same topic, or a re-run of a topic, never match
 * each other's processes.
 */
export const TASK_TAG_ENV = "CODEXMCP_TASK_TAG";

export function newProcessTag(taskId: string, home: string): string {
  const homeHash = createHash("sha256").update(path.resolve(home)).digest("hex").slice(0, 12);
  return `${taskId}:${randomBytes(6).toString("hex")}:${homeHash}`;
}

/**
 * How to find a task's processes: its own tag, or, for a task dispatched by a codexmcp that did
 * not write one yet, the task id alone (the old tag).
 */
export function processTagOf(meta: Pick<TaskMeta, "task_id" | "process_tag">): {
  name: string;
  value: string;
} {
  return meta.process_tag
    ? { name: TASK_TAG_ENV, value: meta.process_tag }
    : { name: TASK_ID_ENV, value: meta.task_id };
}

/** The tag in a task's environment (the runner's children inherit it), or the old one. */
export function processTagFromEnv(
  env: Record<string, string | undefined>,
  taskId: string,
): { name: string; value: string } {
  const tag = env[TASK_TAG_ENV];
  return tag ? { name: TASK_TAG_ENV, value: tag } : { name: TASK_ID_ENV, value: taskId };
}
