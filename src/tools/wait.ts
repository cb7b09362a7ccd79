import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { Observation } from "../lifecycle/observe.js";
import type { TaskManager } from "../tasks/manager.js";
import { waitForCompletion } from "../tasks/wait-any.js";
import { secondsBetween } from "../util/time.js";
import { guarded, ok } from "./result.js";
import { taskIdField } from "./schemas.js";
import { strictInput } from "./strict.js";

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
      description: `Blocks until one of task_ids (or any task) ends after cursor; returns its status, task (its full result) and a new cursor. After timeout_seconds (default ${waitDefaultSeconds}, at most ${waitMaxSeconds}) it returns status "timeout" and running: call it again with the cursor it returned. Pass the cursor of codex_dispatch or of the previous codex_wait: no ending is missed.`,
      inputSchema: strictInput("codex_wait", {
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
            "From codex_dispatch or the previous codex_wait: only endings after it count. Without it: a listed task that already ended returns at once; any task, only endings from now on.",
          ),
      }),
      outputSchema: z.looseObject({
        status: z.enum(["completed", "failed", "cancelled", "timed_out", "timeout", "idle"]),
        cursor: z.string(),
        hint: z.string(),
      }),
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
                ? `${outcome.obs.meta.task_id} ended (${outcome.obs.status}); ${running.length} still running — call the codex_wait tool of this server again with cursor "${outcome.cursor}".`
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
          hint: `Nothing ended within ${seconds}s; ${running.length} task(s) still running. Call the codex_wait tool of this server again with cursor "${outcome.cursor}".`,
        });
      }),
  );
}
