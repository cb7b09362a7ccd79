import { readFileSync } from "node:fs";
import { taggedProcesses } from "../../src/proc/tree.js";
import type { McpSession } from "./mcp.js";

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

const TERMINAL = ["completed", "failed", "cancelled", "timed_out"];

/** Polls codex_status until the task has ended; its final status payload. */
export async function untilEnded(
  mcp: McpSession,
  taskId: string,
  timeoutMs = 90_000,
): Promise<Record<string, unknown>> {
  return until(
    `${taskId} to end`,
    async () => {
      const s = await mcp.ok("codex_status", { task_id: taskId });
      return TERMINAL.includes(String(s.status)) ? s : undefined;
    },
    timeoutMs,
    250,
  );
}

/** Live processes carrying the task's environment tag. */
export function processesOf(taskId: string): number[] {
  return [...taggedProcesses("CODEXMCP_TASK_ID", taskId)];
}

/**
 * Whether one of the task's own processes runs a command line containing `text`. Never `ps` for
 * the text alone: other test files run the same scripts at the same time.
 */
export function taskRuns(taskId: string, text: string): boolean {
  return processesOf(taskId).some((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").includes(text);
    } catch {
      return false; // gone meanwhile
    }
  });
}
