import path from "node:path";
import { z } from "zod";
import { readValidatedIfExists } from "../core/validated.js";
import type { TaskManager } from "./manager.js";

export type MergeStrategy = "merge" | "squash" | "rebase";

/** merge.json in the task directory: how the agent branch went into its base. */
export const mergeRecordSchema = z.looseObject({
  strategy: z.enum(["merge", "squash", "rebase"]),
  base_branch: z.string(),
  agent_branch: z.string(),
  /** The agent branch head that was merged (a squash leaves no ancestry; this proves it). */
  branch_head: z.string(),
  base_before: z.string(),
  base_after: z.string(),
  merged_at: z.string(),
  /** Rebase: the branch head before its commits were rebased (kept under refs/codexmcp/). */
  branch_head_before: z.string().optional(),
});
export type MergeRecord = z.infer<typeof mergeRecordSchema>;

export function mergeRecordPath(manager: TaskManager, taskId: string): string {
  return path.join(manager.store.layout.taskDir(taskId), "merge.json");
}

/** The task's merge record; a damaged one counts as none (the branch then reads as unmerged: safe). */
export async function readMergeRecord(
  manager: TaskManager,
  taskId: string,
): Promise<MergeRecord | undefined> {
  const read = await readValidatedIfExists(mergeRecordPath(manager, taskId), mergeRecordSchema);
  return read?.ok ? read.value : undefined;
}
