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
        "Stops a queued or running task and every process it started (tmux session, runner, Codex and Codex's commands) and records it as cancelled. The worktree, branch and logs stay. Cancelling a task that has already ended changes nothing; cancelled and status report what was recorded (a task that finished on its own meanwhile keeps its outcome).",
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
        // The answer is what was recorded: a task that ended on its own while the cancel was
        // under way keeps its own outcome, and says so.
        const cancelled = wasRunning && obs.status === "cancelled";
        const message = cancelled
          ? `Task ${view.task_id} is cancelled; its processes are stopped, worktree and logs kept.`
          : wasRunning
            ? `Task ${view.task_id} ended on its own as ${view.status} before the cancel took effect; that outcome stands and nothing was cancelled.`
            : `Task ${view.task_id} had already ended (${view.status}); nothing to cancel.`;
        return ok({ ...view, cancelled, message });
      }),
  );
}
