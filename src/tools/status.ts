import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { TaskManager } from "../tasks/manager.js";
import type { Observation } from "../tasks/observe.js";
import { secondsBetween } from "../util/time.js";
import { guarded, ok } from "./result.js";
import { taskIdField, taskViewShape } from "./schemas.js";

const listItemShape = {
  task_id: z.string(),
  topic: z.string(),
  status: z.string(),
  success: z.boolean().nullable(),
  sandbox: z.string(),
  cwd: z.string(),
  created_at: z.string(),
  elapsed_seconds: z.number(),
  idle_seconds: z.number().optional(),
  worktree_dir: z.string().optional(),
  agent_branch: z.string().optional(),
  diff_stat: z.string().optional(),
  error: z.string().nullable(),
};

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
    error: result?.error ?? null,
  };
}

export function registerStatusTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_status",
    {
      title: "Task status",
      description:
        "With task_id: that task's details. While it runs: elapsed time, session_id, recent events and the transcript tail; when it has ended: everything codex returns (result, session_id, usage, diff stats, error). Without task_id: all tasks, newest first (optionally only those dispatched from cwd).",
      inputSchema: {
        task_id: taskIdField.optional(),
        limit: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .optional()
          .describe("List at most this many tasks (default 50)."),
        cwd: z.string().optional().describe("List only tasks dispatched from this directory."),
      },
      outputSchema: z
        .object(taskViewShape)
        .partial()
        .extend({ tasks: z.array(z.object(listItemShape)).optional(), count: z.number().optional() }),
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
