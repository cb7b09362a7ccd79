import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { AgentDriver } from "../agents/agent.js";
import { CODEX_EVENT_TYPES, CODEX_ITEM_TYPES } from "../agents/codex/events.js";
import { loadDriver } from "../agents/registry.js";
import { AGENT_EVENT_KINDS } from "../core/agent-events.js";
import { isTerminal } from "../core/types.js";
import { DEFAULT_PAGE_BYTES, readEventsPage } from "../tasks/events-page.js";
import type { TaskManager } from "../tasks/manager.js";
import { withSuggestion } from "../util/did-you-mean.js";
import { UserError } from "../util/errors.js";
import { guarded, ok } from "./result.js";
import { taskIdField } from "./schemas.js";
import { strictInput } from "./strict.js";

/**
 * Refuses a `types` filter that can never match, saying what was meant: an unknown name would
 * return an empty page, indistinguishable from "no such events yet".
 */
export function checkTypes(types: readonly string[], view: "raw" | "normalized", driver: AgentDriver): void {
  const kinds: readonly string[] = AGENT_EVENT_KINDS;
  if (view === "normalized") {
    const unknown = types.filter((t) => !kinds.includes(t));
    if (unknown.length > 0)
      throw new UserError(
        `Unknown event kind ${unknown.map((t) => withSuggestion(t, kinds)).join(", ")} for view "normalized"; kinds are ${kinds.join(", ")}.`,
      );
    return;
  }
  const known = driver.rawEventTypes;
  if (!known) return;
  const names = [...known.types, ...known.subtypes];
  const valid = (t: string) => {
    const [type, sub, ...rest] = t.split(":");
    if (sub === undefined) return names.includes(t);
    return rest.length === 0 && known.types.includes(type ?? "") && known.subtypes.includes(sub);
  };
  const unknown = types.filter((t) => !valid(t));
  if (unknown.length === 0) return;
  const normalizedToo = unknown.filter((t) => kinds.includes(t));
  throw new UserError(
    `Unknown ${driver.label} event type ${unknown.map((t) => withSuggestion(t, names)).join(", ")} for view "raw"; ${driver.label}'s types are ${known.types.join(", ")}, its item types ${known.subtypes.join(", ")} ("item.completed:agent_message" combines them).${normalizedToo.length > 0 ? ` ${normalizedToo.join(", ")} ${normalizedToo.length === 1 ? "is a kind" : "are kinds"} of view "normalized": pass view: "normalized".` : ""}`,
  );
}

export const EVENTS_INPUT = {
  task_id: taskIdField,
  cursor: z
    .union([z.number().int().min(0, "cursor must be >= 0"), z.literal("tail")], {
      error: 'cursor must be a byte offset from a previous page (next_cursor) or "tail"',
    })
    .optional()
    .describe('A next_cursor (default 0: the start) or "tail".'),
  limit: z.number().int().min(1).max(500).optional().describe("Events per page (default 50, at most 500)."),
  view: z
    .enum(["raw", "normalized"], { message: 'view must be "raw" or "normalized"' })
    .optional()
    .describe('"raw" (default) or "normalized".'),
  types: z
    .array(z.string().min(1).max(80))
    .max(30)
    .optional()
    .describe("Only these types / item types (raw) or kinds (normalized)."),
  truncate: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("Cut strings at this length (default 2000; 0: never)."),
  max_bytes: z
    .number()
    .int()
    .min(1024, "max_bytes must be at least 1024")
    .max(4 * 1024 * 1024, "max_bytes must be at most 4194304")
    .optional()
    .describe(`Page size bound in bytes (default ${DEFAULT_PAGE_BYTES}).`),
};

export type EventsArgs = z.infer<z.ZodObject<typeof EVENTS_INPUT>>;

/** codex_events' answer (shared with the command line). */
export async function runEvents(manager: TaskManager, args: EventsArgs) {
  const obs = await manager.observe(args.task_id);
  const view = args.view ?? "raw";
  const driver = await loadDriver(obs.meta.agent);
  if (args.types && args.types.length > 0) checkTypes(args.types, view, driver);
  const page = await readEventsPage({
    normalize: view === "normalized" ? () => driver.streamReader() : undefined,
    ended: isTerminal(obs.status),
    file: await manager.store.readablePath(obs.meta.task_id, "events"),
    cursor: args.cursor ?? 0,
    limit: args.limit ?? 50,
    types: args.types,
    truncate: args.truncate ?? 2000,
    maxBytes: args.max_bytes ?? DEFAULT_PAGE_BYTES,
  });
  const bound = args.max_bytes ?? DEFAULT_PAGE_BYTES;
  const hint = !page.cut_at_bytes
    ? undefined
    : args.cursor === "tail"
      ? `Only the newest ${page.events.length} event(s) fit in max_bytes (${bound}): raise max_bytes, lower truncate or narrow with types to see more of them, or read forward from cursor 0.`
      : `The page stopped at max_bytes (${bound}) after ${page.events.length} event(s): call codex_events again with cursor ${page.next_cursor} for more, or narrow it with types, a lower truncate or a higher max_bytes.`;
  const more =
    !hint && page.has_more
      ? `More events follow: call codex_events again with cursor ${page.next_cursor}.`
      : undefined;
  return {
    task_id: obs.meta.task_id,
    status: obs.status,
    agent: obs.meta.agent,
    view,
    ...page,
    ...(hint || more ? { hint: hint ?? more } : {}),
  };
}

export function registerEventsTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_events",
    {
      title: "Page through a task's events",
      description: `A page of a task's events from cursor (next_cursor continues; "tail": the newest), at most max_bytes (default ${DEFAULT_PAGE_BYTES}). view "raw" (default): the agent's own; for Codex, types ${CODEX_EVENT_TYPES.join(", ")} and item types ${CODEX_ITEM_TYPES.join(", ")} ("item.completed:agent_message": both). view "normalized": kinds ${AGENT_EVENT_KINDS.join(", ")}.`,
      inputSchema: strictInput("codex_events", EVENTS_INPUT),
      outputSchema: z.looseObject({
        events: z.array(z.unknown()),
        next_cursor: z.number(),
        has_more: z.boolean(),
      }),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => guarded("codex_events", async () => ok(await runEvents(manager, args))),
  );
}
