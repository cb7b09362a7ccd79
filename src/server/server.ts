import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
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

const INSTRUCTIONS = `codexmcp hands coding work to the OpenAI Codex CLI.
- codex: run and wait (reviews, short jobs; max_wait_seconds hands over to codex_wait). codex_dispatch: start in the background and get a task_id and cursor.
- Loop for long jobs: codex_dispatch → codex_wait(cursor) (returns when a task ends, or "timeout": call again) → codex_events to inspect → codex_reply to continue the conversation.
- codex_status / codex_cancel follow and stop tasks; results carry session_id to continue a conversation.
- Review → merge → clean up: codex_diff shows a worktree task's patch, codex_merge merges its branch (predicting conflicts first), codex_cleanup removes finished worktrees without losing unmerged work.
- sandbox "read-only" runs in cwd and may not write; "full-access" runs in its own git worktree (branch agent/<type>-<desc>) inside tmux session codex-<topic>.`;

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
  const resources = registerTaskResources(server, manager);
  const previous = server.server.onclose;
  server.server.onclose = () => {
    resources.close();
    previous?.();
  };
  return server;
}
