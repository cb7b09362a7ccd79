import { type FSWatcher, watch } from "node:fs";
import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { parseTaskId } from "../core/topic.js";
import type { TaskManager } from "../tasks/manager.js";
import { ensurePrivateDir } from "../util/files.js";
import { readTail } from "../util/tail.js";

const LOG_TAIL_BYTES = 256 * 1024;
const LISTED = 200;

function taskIdOf(variables: Record<string, string | string[]>): string {
  const raw = variables.task_id;
  return parseTaskId(Array.isArray(raw) ? (raw[0] ?? "") : (raw ?? "")).taskId;
}

/**
 * Task transcripts (and results) as MCP resources, listed for the newest tasks; clients are told
 * when the list changes — also when another server process starts a task.
 */
export function registerTaskResources(server: McpServer, manager: TaskManager): { close(): void } {
  const list = (suffix: "log" | "result", mimeType: string) => async () => {
    const tasks = await manager.list({ limit: LISTED });
    return {
      resources: tasks.map((o) => ({
        uri: `codexmcp://tasks/${o.meta.task_id}/${suffix}`,
        name: `${o.meta.task_id} ${suffix}`,
        title: `${o.meta.topic} (${o.status}) ${suffix === "log" ? "transcript" : "result"}`,
        mimeType,
      })),
    };
  };

  server.registerResource(
    "task-log",
    new ResourceTemplate("codexmcp://tasks/{task_id}/log", { list: list("log", "text/plain") }),
    {
      title: "Task transcript",
      description: "The readable transcript of a Codex task (what its tmux pane shows): the last 256 KiB.",
      mimeType: "text/plain",
    },
    async (uri, variables) => {
      const obs = await manager.observe(taskIdOf(variables));
      const file = await manager.store.readablePath(obs.meta.task_id, "log");
      const { text, cut, size } = await readTail(file, LOG_TAIL_BYTES);
      const header = cut
        ? `[… ${size - Buffer.byteLength(text)} earlier bytes not shown; the whole transcript is ${file}]\n`
        : "";
      return { contents: [{ uri: uri.href, mimeType: "text/plain", text: header + text }] };
    },
  );
  server.registerResource(
    "task-result",
    new ResourceTemplate("codexmcp://tasks/{task_id}/result", { list: list("result", "application/json") }),
    {
      title: "Task status and result",
      description: "What codex_status returns for the task, as JSON.",
      mimeType: "application/json",
    },
    async (uri, variables) => {
      const view = await manager.status(taskIdOf(variables));
      return {
        contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(view, null, 2) }],
      };
    },
  );

  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (server.isConnected()) server.sendResourceListChanged();
    }, 200);
    timer.unref();
  };
  void ensurePrivateDir(manager.store.layout.tasksDir)
    .then(() => {
      watcher = watch(manager.store.layout.tasksDir, { persistent: false }, (event) => {
        if (event === "rename") changed();
      });
      watcher.on("error", () => watcher?.close());
    })
    .catch(() => undefined);
  return {
    close() {
      watcher?.close();
      if (timer) clearTimeout(timer);
    },
  };
}
