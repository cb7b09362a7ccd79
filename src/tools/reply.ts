import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { z } from "zod";
import type { TaskManager } from "../tasks/manager.js";
import { guarded, ok } from "./result.js";
import { agentField, dispatchViewSchema, promptField, taskIdField } from "./schemas.js";
import { strictInput } from "./strict.js";

export function replyInput() {
  return {
    task_id: taskIdField,
    prompt: promptField(),
    agent: agentField
      .optional()
      .describe("Default: the task's own agent. Another one starts its own conversation in the same place."),
  };
}

export type ReplyArgs = z.infer<z.ZodObject<ReturnType<typeof replyInput>>>;

/** codex_reply's answer (shared with the command line). */
export function runReply(manager: TaskManager, args: ReplyArgs) {
  return manager.reply(args.task_id, args.prompt, args.agent);
}

export function registerReplyTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_reply",
    {
      title: "Continue a finished task's conversation",
      description:
        "Continues an ended task's conversation with a new prompt, as its topic's next version (-v2, …), in the same worktree with the same agent and settings. Returns at once like codex_dispatch (task_id, cursor): then the codex_wait tool of this server.",
      inputSchema: strictInput("codex_reply", replyInput()),
      outputSchema: dispatchViewSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async (args) => guarded("codex_reply", async () => ok(await runReply(manager, args))),
  );
}
