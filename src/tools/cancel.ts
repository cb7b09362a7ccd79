import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { TaskManager } from "../tasks/manager.js";
import { guarded, ok } from "./result.js";
import { taskIdField } from "./schemas.js";
import { strictInput } from "./strict.js";

/** codex_cancel's answer (shared with the command line); `by` names who asked. */
export async function runCancel(
  manager: TaskManager,
  taskId: string,
  by: "codex_cancel" | "cli" | "ui" = "codex_cancel",
) {
  const { obs, wasRunning } = await manager.cancel(taskId, { by });
  const view = await manager.view(obs);
  // The answer is what was recorded: a task that ended on its own while the cancel was
  // under way keeps its own outcome, and says so.
  const cancelled = wasRunning && obs.status === "cancelled";
  const message = cancelled
    ? `Task ${view.task_id} is cancelled; its processes are stopped, worktree and logs kept.`
    : wasRunning
      ? `Task ${view.task_id} ended on its own as ${view.status} before the cancel took effect; that outcome stands and nothing was cancelled.`
      : `Task ${view.task_id} had already ended (${view.status}); nothing to cancel.`;
  return { ...view, cancelled, message };
}

export function registerCancelTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_cancel",
    {
      title: "Cancel a task",
      description:
        "Stops a queued or running task and everything it started (tmux session, runner, agent and its commands) and records it as cancelled. Worktree, branch and logs stay. A task that has ended (even meanwhile, on its own) keeps its outcome; cancelled says whether this call cancelled it.",
      inputSchema: strictInput("codex_cancel", { task_id: taskIdField }),
      outputSchema: z.looseObject({
        task_id: z.string(),
        status: z.string(),
        cancelled: z.boolean(),
        message: z.string(),
      }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async (args) =>
      guarded("codex_cancel", async () => {
        return ok(await runCancel(manager, args.task_id));
      }),
  );
}
