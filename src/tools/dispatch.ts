import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { TaskManager } from "../tasks/manager.js";
import { guarded, ok } from "./result.js";
import { dispatchViewShape, taskInputShape } from "./schemas.js";

export function registerDispatchTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_dispatch",
    {
      title: "Start Codex in the background",
      description:
        "Starts a Codex task and returns at once with its task_id (plus worktree, branch and tmux attach command for full-access tasks). The task runs on its own, survives this server and its client, and is followed with codex_status / codex_wait and stopped with codex_cancel. Use for jobs of minutes to hours.",
      inputSchema: taskInputShape,
      outputSchema: dispatchViewShape,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async (args) => guarded("codex_dispatch", async () => ok(await manager.dispatch(args))),
  );
}
