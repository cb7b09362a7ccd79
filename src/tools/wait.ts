import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { TaskManager } from "../tasks/manager.js";
import type { Observation } from "../tasks/observe.js";
import { waitForCompletion } from "../tasks/wait-any.js";
import { secondsBetween } from "../util/time.js";
import { guarded, ok } from "./result.js";
import { runningItemShape, taskIdField, taskViewShape } from "./schemas.js";

async function runningItems(manager: TaskManager, running: readonly Observation[]) {
  return Promise.all(
    running.slice(0, 50).map(async (o) => {
      const [last, idle] = await Promise.all([manager.lastActivity(o), manager.idleSeconds(o)]);
      return {
        task_id: o.meta.task_id,
        status: o.status,
        elapsed_seconds: o.meta.started_at ? secondsBetween(o.meta.started_at) : 0,
        ...(idle !== undefined ? { idle_seconds: idle } : {}),
        ...(last ? { last_activity: last } : {}),
      };
    }),
  );
}

export function registerWaitTool(server: McpServer, manager: TaskManager): void {
  const { waitDefaultSeconds, waitMaxSeconds } = manager.settings;
  server.registerTool(
    "codex_wait",
    {
      title: "Wait for a task to end",
      description: `Blocks until one of the given tasks (or, without task_ids, any task) ends after \`cursor\`, then returns that task's full result and a new cursor; returns {status: "timeout", cursor, running} after timeout_seconds (default ${waitDefaultSeconds}, at most ${waitMaxSeconds}) so the call stays under client time limits — just call again with the new cursor. Completions are recorded durably: none is lost between calls, across server restarts or server processes. Loop: codex_dispatch → codex_wait(cursor) → codex_events / codex_reply.`,
      inputSchema: {
        task_ids: z
          .array(taskIdField)
          .max(200)
          .optional()
          .describe("Tasks to wait for; omit to wait for any task."),
        timeout_seconds: z
          .number()
          .min(0, "timeout_seconds must be >= 0 (0 checks and returns at once)")
          .optional()
          .describe(
            `How long to block (default ${waitDefaultSeconds}; larger values are capped at ${waitMaxSeconds}).`,
          ),
        cursor: z
          .string()
          .max(32)
          .optional()
          .describe(
            "The cursor from codex_dispatch or the previous codex_wait: only completions after it count. Without it, the given tasks' whole history counts (a task that already ended returns at once); for any task, only completions from now on.",
          ),
      },
      outputSchema: {
        status: z
          .enum(["completed", "failed", "cancelled", "timed_out", "timeout", "idle"])
          .describe(
            "the ended task's status; timeout = nothing ended in time; idle = nothing is running and nothing ended after cursor",
          ),
        cursor: z.string().describe("pass to the next codex_wait"),
        task_id: z.string().optional(),
        task: z.object(taskViewShape).optional().describe("the ended task's full result"),
        running: z.array(z.object(runningItemShape)).describe("tasks (of those waited for) still going"),
        hint: z.string(),
      },
      annotations: {
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async (args, extra) =>
      guarded("codex_wait", async () => {
        const seconds = Math.min(args.timeout_seconds ?? waitDefaultSeconds, waitMaxSeconds);
        const outcome = await waitForCompletion(manager, {
          taskIds: args.task_ids,
          cursor: args.cursor,
          timeoutMs: seconds * 1000,
          signal: extra.signal,
        });
        if (outcome.kind === "completion") {
          const running = await runningItems(manager, outcome.running);
          return ok({
            status: outcome.obs.status,
            cursor: outcome.cursor,
            task_id: outcome.obs.meta.task_id,
            task: await manager.view(outcome.obs, true),
            running,
            hint:
              running.length > 0
                ? `${outcome.obs.meta.task_id} ended (${outcome.obs.status}); ${running.length} still running — call codex_wait again with cursor "${outcome.cursor}".`
                : `${outcome.obs.meta.task_id} ended (${outcome.obs.status}); nothing else is running.`,
          });
        }
        if (outcome.kind === "idle") {
          return ok({
            status: "idle",
            cursor: outcome.cursor,
            running: [],
            hint: "Nothing is running and nothing ended after the cursor: there is nothing to wait for.",
          });
        }
        const running = await runningItems(manager, outcome.running);
        return ok({
          status: "timeout",
          cursor: outcome.cursor,
          running,
          hint: `Nothing ended within ${seconds}s; ${running.length} task(s) still running. Call codex_wait again with cursor "${outcome.cursor}".`,
        });
      }),
  );
}
