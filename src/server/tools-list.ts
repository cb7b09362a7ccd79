import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ListToolsRequestSchema, type ListToolsResult } from "@modelcontextprotocol/sdk/types.js";

type Handler = (request: unknown, extra: unknown) => Promise<ListToolsResult> | ListToolsResult;

/** Drops the `$schema` key the SDK adds to every schema: a tools/list stays small (≤ 16 KB). */
function trimmed(list: ListToolsResult): ListToolsResult {
  const strip = (schema: unknown) => {
    if (!schema || typeof schema !== "object") return schema;
    const { $schema: _, ...rest } = schema as Record<string, unknown>;
    return rest;
  };
  return {
    ...list,
    tools: list.tools.map((t) => ({
      ...t,
      inputSchema: strip(t.inputSchema) as ListToolsResult["tools"][number]["inputSchema"],
      ...(t.outputSchema
        ? { outputSchema: strip(t.outputSchema) as ListToolsResult["tools"][number]["outputSchema"] }
        : {}),
    })),
  };
}

/**
 * The SDK turns every tool's zod schemas into JSON Schema on every tools/list; the tools never
 * change while a server runs, so the answer is computed once (per `key`: all HTTP sessions of one
 * task manager share it) and served from memory after that.
 */
export function cacheToolsList(server: McpServer, cache: { list?: Promise<ListToolsResult> }): void {
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, Handler> })._requestHandlers;
  const original = handlers?.get("tools/list");
  if (!original) return; // an SDK that keeps its handlers elsewhere: leave it as it is
  server.server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    cache.list ??= Promise.resolve(original(request, extra)).then(trimmed);
    return cache.list;
  });
}
