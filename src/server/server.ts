import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { TaskManager } from "../tasks/manager.js";
import { registerCancelTool } from "../tools/cancel.js";
import { registerCodexTool } from "../tools/codex.js";
import { registerDispatchTool } from "../tools/dispatch.js";
import { registerStatusTool } from "../tools/status.js";
import { VERSION } from "../version.js";

const INSTRUCTIONS = `codexmcp hands coding work to the OpenAI Codex CLI.
- codex: run and wait (reviews, short jobs). codex_dispatch: start in the background and get a task_id.
- codex_status / codex_cancel follow and stop tasks; results carry session_id to continue a conversation (pass it with the topic's next version, e.g. -v2).
- sandbox "read-only" runs in cwd and may not write; "full-access" runs in its own git worktree (branch agent/<type>-<desc>) inside tmux session codex-<topic>.`;

/** The MCP server with every tool, bound to one task manager. */
export function createServer(manager: TaskManager): McpServer {
  const server = new McpServer({ name: "codexmcp", version: VERSION }, { instructions: INSTRUCTIONS });
  registerCodexTool(server, manager);
  registerDispatchTool(server, manager);
  registerStatusTool(server, manager);
  registerCancelTool(server, manager);
  return server;
}
