import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { loadDriver } from "../agents/registry.js";
import { isTerminal } from "../core/types.js";
import { readEventsPage } from "../tasks/events-page.js";
import type { TaskManager } from "../tasks/manager.js";
import { guarded, ok } from "./result.js";
import { taskIdField } from "./schemas.js";

export function registerEventsTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_events",
    {
      title: "Page through a task's Codex events",
      description:
        'Returns a page of the task\'s events from `cursor` on, with next_cursor for the following page; cursor "tail" returns the newest events. view "raw" (default) gives the agent\'s own events (events.jsonl, byte-exact; for Codex: types like "turn.completed", item types like "command_execution", or "item.completed:agent_message"); view "normalized" gives the same events in one shape for every agent (kinds: session, turn_started, message, reasoning, command, file_change, tool, usage, error, retry, turn_completed). Filter with `types`. Every string field is capped at `truncate` characters (0 = no cap). Fast on multi-gigabyte logs.',
      inputSchema: {
        task_id: taskIdField,
        cursor: z
          .union([z.number().int().min(0, "cursor must be >= 0"), z.literal("tail")], {
            error: 'cursor must be a byte offset from a previous page (next_cursor) or "tail"',
          })
          .optional()
          .describe(
            'Byte offset to read from (default 0 = the first event); "tail" = the newest `limit` events.',
          ),
        limit: z
          .number()
          .int()
          .min(1)
          .max(500)
          .optional()
          .describe("Events per page (default 50, at most 500)."),
        view: z
          .enum(["raw", "normalized"], { message: 'view must be "raw" or "normalized"' })
          .optional()
          .describe('"raw" (default): the agent\'s own events; "normalized": one shape for every agent.'),
        types: z
          .array(z.string().min(1).max(80))
          .max(30)
          .optional()
          .describe("Keep only events of these types / item types (raw) or kinds (normalized)."),
        truncate: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe("Cap every string field at this many characters (default 2000; 0 disables the cap)."),
      },
      outputSchema: {
        task_id: z.string(),
        status: z.string(),
        agent: z.string(),
        view: z.enum(["raw", "normalized"]),
        events: z.array(z.object({ cursor: z.number(), event: z.unknown() })),
        next_cursor: z.number().describe("pass as cursor for the next page"),
        has_more: z.boolean(),
        size: z.number().describe("bytes in events.jsonl when read"),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) =>
      guarded("codex_events", async () => {
        const obs = await manager.observe(args.task_id);
        const driver = args.view === "normalized" ? await loadDriver(obs.meta.agent) : undefined;
        const page = await readEventsPage({
          normalize: driver && (() => driver.streamReader()),
          ended: isTerminal(obs.status),
          file: manager.store.layout.file(obs.meta.task_id, "events"),
          cursor: args.cursor ?? 0,
          limit: args.limit ?? 50,
          types: args.types,
          truncate: args.truncate ?? 2000,
        });
        return ok({
          task_id: obs.meta.task_id,
          status: obs.status,
          agent: obs.meta.agent,
          view: args.view ?? "raw",
          ...page,
        });
      }),
  );
}
