import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { Observation } from "../lifecycle/observe.js";
import type { TaskManager } from "../tasks/manager.js";
import { secondsBetween } from "../util/time.js";
import { guarded, ok } from "./result.js";
import { taskIdField } from "./schemas.js";
import { strictInput } from "./strict.js";

export function listItem(obs: Observation, idle?: number) {
  const { meta, result } = obs;
  return {
    task_id: meta.task_id,
    topic: meta.topic,
    status: obs.status,
    success: result ? result.success : null,
    sandbox: meta.sandbox,
    cwd: meta.cwd,
    created_at: meta.created_at,
    elapsed_seconds: result ? result.elapsed_seconds : meta.started_at ? secondsBetween(meta.started_at) : 0,
    ...(idle !== undefined ? { idle_seconds: idle } : {}),
    ...(meta.git ? { worktree_dir: meta.git.worktree_dir, agent_branch: meta.git.agent_branch } : {}),
    ...(result?.diff_stat !== undefined ? { diff_stat: result.diff_stat } : {}),
    error:
      result?.error ??
      (obs.damage ? obs.damage.files.map((f) => `${f.file} is damaged: ${f.problem}`).join("; ") : null),
  };
}

export function registerStatusTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_status",
    {
      title: "Task status",
      description:
        "With task_id: that task; while it runs status, elapsed_seconds, idle_seconds (since the agent last printed anything), last_activity, recent_events; once ended, what codex returns. Without task_id: tasks, newest first.",
      inputSchema: strictInput("codex_status", {
        task_id: taskIdField.optional(),
        limit: z.number().int().min(1).max(1000).optional().describe("List at most this many (default 50)."),
        cwd: z.string().optional().describe("List only tasks dispatched from this directory."),
      }),
      outputSchema: z.looseObject({ task_id: z.string().optional(), tasks: z.array(z.unknown()).optional() }),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) =>
      guarded("codex_status", async () => {
        if (args.task_id) return ok(await manager.status(args.task_id));
        const all = await manager.list({ cwd: args.cwd });
        const tasks = await Promise.all(
          all.slice(0, args.limit ?? 50).map(async (o) => listItem(o, await manager.idleSeconds(o))),
        );
        return ok({ tasks, count: all.length });
      }),
  );
}
