import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { loadDriver } from "../agents/registry.js";
import type { TaskManager } from "../tasks/manager.js";
import { clientCancelKind } from "./client-cancel.js";
import { trackPending } from "./pending.js";
import { ProgressReporter } from "./progress.js";
import { guarded, ok } from "./result.js";
import { hostInput, taskInputShape, taskViewSchema } from "./schemas.js";
import { strictInput } from "./strict.js";

export const MAX_WAIT_LIMIT_SECONDS = 7 * 24 * 3600;

/** The blocking call ended before its task: cancel it (a person) or record why and let it run. */
async function endedEarly(
  manager: TaskManager,
  server: McpServer,
  taskId: string,
  calledAt: number,
  rawReason: unknown,
): Promise<void> {
  const after = Math.round((Date.now() - calledAt) / 100) / 10;
  const reason = rawReason === undefined ? "" : String(rawReason);
  const client = server.server.getClientVersion()?.name;
  const wait = `the task goes on; the codex_wait tool of this server picks up its result (task_ids ["${taskId}"])`;
  if (!server.isConnected()) {
    await manager.recordCallEnd(taskId, {
      tool: "codex",
      ended: "client_disconnected",
      after_seconds: after,
      ...(client ? { client } : {}),
      note: `the blocking codex call ended after ${after}s because the client disconnected; ${wait}.`,
    });
    return;
  }
  const { kind, why } = clientCancelKind({
    reason,
    elapsedSeconds: after,
    clientName: client,
    clientTimeoutSeconds: manager.settings.clientToolTimeoutSeconds,
  });
  if (kind === "person") {
    await manager.cancel(taskId, { by: "client", ...(reason ? { reason } : {}) });
    return;
  }
  await manager.recordCallEnd(taskId, {
    tool: "codex",
    ended: "client_timeout",
    after_seconds: after,
    ...(reason ? { reason } : {}),
    ...(client ? { client } : {}),
    note: `the blocking codex call ended after ${after}s at ${why}${reason ? ` (the client said: ${reason})` : ""}; ${wait}.`,
  });
}

export function registerCodexTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex",
    {
      title: "Run an agent task and wait for the result",
      description:
        "Runs a task (Codex by default) and blocks until it ends; returns status, result (the agent's last message), session_id, error, usage and, for worktree tasks, worktree_dir, agent_branch, diff_stat. For jobs over a few minutes use the codex_dispatch tool of this server, or max_wait_seconds. Cancelling this call cancels the task; your client's own timeout does not: the task goes on and the codex_wait tool of this server returns its result.",
      inputSchema: strictInput("codex", {
        ...taskInputShape(
          manager.settings.topicTypes,
          manager.settings.hosts.map((h) => h.name),
        ),
        max_wait_seconds: z
          .number()
          .min(0, "max_wait_seconds must be >= 0 (0 waits until the task ends)")
          .max(MAX_WAIT_LIMIT_SECONDS)
          .optional()
          .describe(
            'Return with status "running" after this long (the task goes on). Default 0: wait to the end.',
          ),
      }),
      outputSchema: taskViewSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async (args, extra) =>
      guarded("codex", async () => {
        const { max_wait_seconds, host, ...request } = args;
        const dispatched = await manager.dispatch({ ...request, host: hostInput(host) });
        const taskId = dispatched.task_id;
        const token = extra._meta?.progressToken;
        const reporter =
          token === undefined
            ? undefined
            : new ProgressReporter(
                manager.store.layout.file(taskId, "events"),
                (await loadDriver(dispatched.agent)).streamReader(),
                (progress, message) =>
                  extra.sendNotification({
                    method: "notifications/progress",
                    params: { progressToken: token, progress, message },
                  }),
                manager.settings.progressIntervalSeconds * 1000,
              );
        reporter?.start(
          dispatched.status === "queued"
            ? `queued (#${dispatched.queue_position ?? "?"} in the queue; max_parallel tasks are running)`
            : undefined,
        );
        // The SDK aborts in-flight requests when the client cancels one (its tool timeout or a
        // person) and when the connection closes. Only a person's cancel stops the task: it must
        // outlive its client and the client's timeout, and codex_wait picks up its result. A
        // close detaches the transport right after aborting, so decide on the next tick.
        const calledAt = Date.now();
        const onAbort = () =>
          trackPending(
            new Promise<void>((resolve) =>
              setImmediate(() => {
                endedEarly(manager, server, taskId, calledAt, extra.signal.reason)
                  .catch(() => undefined)
                  .finally(resolve);
              }),
            ),
          );
        extra.signal.addEventListener("abort", onAbort, { once: true });
        const maxWait = max_wait_seconds ?? manager.settings.maxWaitSeconds;
        try {
          const obs = await manager.waitForEnd(taskId, {
            signal: extra.signal,
            timeoutMs: maxWait > 0 ? maxWait * 1000 : undefined,
          });
          if (obs) return ok(await manager.view(obs));
          const running = await manager.view(await manager.observe(taskId), true);
          return ok({
            ...running,
            hint: `Still running after ${maxWait}s; the task goes on. The codex_wait tool of this server with task_ids ["${taskId}"] and cursor "${dispatched.cursor ?? ""}" returns its result; its codex_status looks in.`,
          });
        } finally {
          reporter?.stop();
          extra.signal.removeEventListener("abort", onAbort);
        }
      }),
  );
}
