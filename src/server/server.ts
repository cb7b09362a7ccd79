import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ListToolsResult } from "@modelcontextprotocol/sdk/types.js";
import type { TaskManager } from "../tasks/manager.js";
import { registerCancelTool } from "../tools/cancel.js";
import { registerCleanupTool } from "../tools/cleanup.js";
import { registerCodexTool } from "../tools/codex.js";
import { registerDiffTool } from "../tools/diff.js";
import { registerDispatchTool } from "../tools/dispatch.js";
import { registerEventsTool } from "../tools/events.js";
import { registerMergeTool } from "../tools/merge.js";
import { registerReplyTool } from "../tools/reply.js";
import { registerStatusTool } from "../tools/status.js";
import { registerWaitTool } from "../tools/wait.js";
import { VERSION } from "../version.js";
import { registerTaskResources } from "./resources.js";
import { cacheToolsList } from "./tools-list.js";

const INSTRUCTIONS = `codexmcp hands coding work to agent CLIs (the OpenAI Codex CLI by default). Its tools (your client may show them as mcp__<server>__<name>):
- codex: run and wait (reviews, short jobs). codex_dispatch: start in the background; it returns task_id and cursor.
- Long jobs: codex_dispatch, then codex_wait with task_ids and that cursor (it returns when a task ends, or "timeout": call it again with the cursor it returns), codex_events to look inside, codex_reply to continue the conversation.
- codex_status and codex_cancel follow and stop tasks. Review, merge, clean up: codex_diff, codex_merge, codex_cleanup.
- topic: <type>-<desc>-v<N>, e.g. implement-login_page-v1. sandbox "read-only" runs in cwd and may not write; "full-access" runs in its own git worktree (branch agent/<type>-<desc>) in tmux.`;

const toolLists = new WeakMap<TaskManager, { list?: Promise<ListToolsResult> }>();

function listCache(manager: TaskManager): { list?: Promise<ListToolsResult> } {
  let cache = toolLists.get(manager);
  if (!cache) {
    cache = {};
    toolLists.set(manager, cache);
  }
  return cache;
}

/** The MCP server with every tool and resource, bound to one task manager. */
export function createServer(manager: TaskManager): McpServer {
  const server = new McpServer({ name: "codexmcp", version: VERSION }, { instructions: INSTRUCTIONS });
  registerCodexTool(server, manager);
  registerDispatchTool(server, manager);
  registerStatusTool(server, manager);
  registerCancelTool(server, manager);
  registerWaitTool(server, manager);
  registerEventsTool(server, manager);
  registerReplyTool(server, manager);
  registerDiffTool(server, manager);
  registerMergeTool(server, manager);
  registerCleanupTool(server, manager);
  cacheToolsList(server, listCache(manager));
  const resources = registerTaskResources(server, manager);
  const previous = server.server.onclose;
  server.server.onclose = () => {
    resources.close();
    previous?.();
  };
  return server;
}
