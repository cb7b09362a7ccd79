import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { TaskManager } from "../tasks/manager.js";
import { guarded, ok } from "./result.js";
import { dispatchViewSchema, hostInput, taskInputShape } from "./schemas.js";
import { strictInput } from "./strict.js";

export function registerDispatchTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_dispatch",
    {
      title: "Start an agent task in the background",
      description:
        'Starts a task (Codex by default) and returns at once: task_id, cursor and, for worktree tasks, worktree_dir, agent_branch, attach_command. Then call the codex_wait tool of this server with task_ids [task_id] and that cursor: it returns when the task ends (status "timeout": call again with its cursor). The task outlives this server and its client. For jobs of minutes to hours.',
      inputSchema: strictInput(
        "codex_dispatch",
        taskInputShape(
          manager.settings.topicTypes,
          manager.settings.hosts.map((h) => h.name),
        ),
      ),
      outputSchema: dispatchViewSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async ({ host, ...args }) =>
      guarded("codex_dispatch", async () => ok(await manager.dispatch({ ...args, host: hostInput(host) }))),
  );
}
