import type { TaskManager } from "../../tasks/manager.js";
import { runCancel } from "../../tools/cancel.js";
import { CLEANUP_INPUT, runCleanup } from "../../tools/cleanup.js";
import { MERGE_INPUT, runMerge } from "../../tools/merge.js";
import { replyInput, runReply } from "../../tools/reply.js";
import { parseToolInput } from "../../tools/strict.js";
import { UserError } from "../../util/errors.js";
import { RequestError } from "./respond.js";

/**
 * What a reviewer does from a task page. Each one is the MCP tool's own body behind the tool's
 * own input schema (parseToolInput), so a refusal is the sentence a model would get.
 */
export type ActionName = "cancel" | "reply" | "merge" | "merge-check" | "cleanup" | "cleanup-check";

const STRATEGIES = ["merge", "squash", "rebase"] as const;

export async function runAction(
  manager: TaskManager,
  action: string,
  taskId: string,
  body: Record<string, unknown>,
): Promise<unknown> {
  switch (action) {
    case "cancel":
      parseToolInput("codex_cancel", {}, body);
      return runCancel(manager, taskId, "ui");
    case "reply":
      return runReply(manager, parseToolInput("codex_reply", replyInput(), { ...body, task_id: taskId }));
    case "merge":
      return runMerge(manager, parseToolInput("codex_merge", MERGE_INPUT, { ...body, task_id: taskId }));
    case "merge-check": {
      // Every strategy, one after another (each takes the repository lock): what the buttons will do.
      const commitUncommitted = body.commit_uncommitted === true;
      const checks: Record<string, unknown> = {};
      for (const strategy of STRATEGIES) {
        const args = parseToolInput("codex_merge", MERGE_INPUT, {
          task_id: taskId,
          strategy,
          ...(commitUncommitted ? { commit_uncommitted: true } : {}),
        });
        try {
          checks[strategy] = await runMerge(manager, args, { dryRun: true });
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          checks[strategy] = { refusal: err.message };
        }
      }
      return { task_id: taskId, checks };
    }
    case "cleanup":
      return runCleanup(
        manager,
        parseToolInput("codex_cleanup", CLEANUP_INPUT, { ...body, task_id: taskId }),
      );
    case "cleanup-check": {
      const plain = await preview(manager, taskId, false);
      const forced = "refusal" in plain ? await preview(manager, taskId, true) : undefined;
      return { task_id: taskId, plain, ...(forced ? { forced } : {}) };
    }
    default:
      throw new RequestError(
        404,
        `No action ${action}; actions are cancel, reply, merge, merge-check, cleanup, cleanup-check.`,
      );
  }
}

async function preview(manager: TaskManager, taskId: string, force: boolean) {
  try {
    return await runCleanup(manager, { task_id: taskId, ...(force ? { force } : {}) }, { dryRun: true });
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { refusal: err.message };
  }
}
