import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { TaskManager } from "../tasks/manager.js";
import { guarded, ok } from "./result.js";
import { taskIdField, taskViewShape } from "./schemas.js";

export function registerCancelTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_cancel",
    {
      title: "Cancel a task",
      description:
        "Stops a queued or running task and every process it started (tmux session, runner, Codex and Codex's commands) and records it as cancelled. The worktree, branch and logs stay. Cancelling a task that has already ended changes nothing.",
      inputSchema: { task_id: taskIdField },
      outputSchema: { ...taskViewShape, cancelled: z.boolean(), message: z.string() },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async (args) =>
      guarded("codex_cancel", async () => {
        const { obs, wasRunning } = await manager.cancel(args.task_id);
        const view = await manager.view(obs);
        const message = wasRunning
          ? `Task ${view.task_id} is ${view.status}; its processes are stopped, worktree and logs kept.`
          : `Task ${view.task_id} had already ended (${view.status}); nothing to cancel.`;
        return ok({ ...view, cancelled: wasRunning, message });
      }),
  );
}
