import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { TaskManager } from "../tasks/manager.js";
import { guarded, ok } from "./result.js";
import { agentField, dispatchViewShape, taskIdField, taskInputShape } from "./schemas.js";

export function registerReplyTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_reply",
    {
      title: "Continue a finished task's conversation",
      description:
        "Sends a follow-up prompt to the conversation of a task that has ended, as the next version of its topic (…-v2, -v3, …), in the same place — the same worktree for full-access tasks — with the same agent, sandbox and settings. Returns at once like codex_dispatch; follow it with codex_wait. A task that is still running is refused (an agent cannot take a message mid-run): wait for it first.",
      inputSchema: {
        task_id: taskIdField,
        prompt: taskInputShape.prompt,
        agent: agentField
          .optional()
          .describe(
            "Default: the task's own agent, which continues its conversation. Another agent starts a new conversation of its own in the same place (e.g. claude reviewing what codex did in the worktree).",
          ),
      },
      outputSchema: { ...dispatchViewShape, replied_to: z.string() },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async (args) =>
      guarded("codex_reply", async () => ok(await manager.reply(args.task_id, args.prompt, args.agent))),
  );
}
