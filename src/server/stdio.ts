import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Settings } from "../config/settings.js";
import { TaskManager } from "../tasks/manager.js";
import { log } from "../util/log.js";
import { VERSION } from "../version.js";
import { createServer } from "./server.js";

/**
 * Serves MCP on stdin/stdout until the client goes away. Tasks are separate processes, so
 * leaving never stops one.
 */
export async function serveStdio(settings: Settings): Promise<void> {
  const manager = new TaskManager(settings);
  const server = createServer(manager);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once("end", () => resolve());
  });
  await server.connect(transport);
  log.info(`codexmcp ${VERSION} serving MCP on stdio (state in ${settings.home})`);
  await closed;
  await server.close().catch(() => undefined);
}
