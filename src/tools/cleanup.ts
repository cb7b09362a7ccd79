import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { durationSeconds } from "../config/duration.js";
import { cleanupTasks } from "../tasks/cleanup.js";
import type { TaskManager } from "../tasks/manager.js";
import { UserError } from "../util/errors.js";
import { guarded, ok } from "./result.js";
import { taskIdField } from "./schemas.js";
import { strictInput } from "./strict.js";

export const CLEANUP_INPUT = {
  task_id: taskIdField.optional(),
  all_finished: z.boolean().optional().describe("Clean up every finished task's worktree."),
  force: z
    .boolean()
    .optional()
    .describe("Remove them despite uncommitted or unmerged work (which stays reachable)."),
  older_than: z
    .union([z.number(), z.string()])
    .optional()
    .describe('With all_finished: only tasks that ended at least this long ago (seconds, or "7d", "12h").'),
};

export type CleanupArgs = z.infer<z.ZodObject<typeof CLEANUP_INPUT>>;

/**
 * codex_cleanup's answer (shared with the command line and the web board): refusals are
 * UserErrors. `dryRun` (the board's preview; not a tool parameter) decides the same way and
 * changes nothing.
 */
export async function runCleanup(manager: TaskManager, args: CleanupArgs, opts: { dryRun?: boolean } = {}) {
  let olderThan: number | undefined;
  if (args.older_than !== undefined) {
    const parsed = durationSeconds("older_than").safeParse(args.older_than);
    if (!parsed.success)
      throw new UserError('older_than must be seconds or a duration like "7d", "12h", "30m".');
    olderThan = parsed.data;
  }
  const report = await cleanupTasks(manager, {
    taskId: args.task_id,
    allFinished: args.all_finished,
    force: args.force,
    olderThanSeconds: olderThan,
    dryRun: opts.dryRun,
  });
  if (args.task_id && report.refused.length > 0 && report.cleaned.length === 0) {
    const reasons = report.refused.flatMap((r) => r.reasons).join("; ");
    // Advise force only where it works: a running task or a vanished repository stops it too.
    const advice = report.refused.every((r) => r.force_helps)
      ? "Merge first (codex_merge), or pass force: true to remove it anyway — the work stays reachable."
      : "Do what the reason says, then call codex_cleanup again.";
    throw new UserError(`Not cleaned up: ${reasons}. ${advice}`);
  }
  const forceable = report.refused.filter((r) => r.force_helps).length;
  if (opts.dryRun) {
    const n = report.would?.length ?? 0;
    return {
      ...report,
      hint:
        report.refused.length > 0
          ? `${report.refused.length} worktree(s) would be refused (see reasons); ${n} would be cleaned up. Nothing was changed.`
          : `${n} would be cleaned up. Nothing was changed.`,
    };
  }
  const hint =
    report.refused.length > 0
      ? `${report.refused.length} worktree(s) refused (see reasons)${forceable > 0 ? `; force: true removes the ${forceable} with uncommitted or unmerged work while keeping it reachable` : ""}.`
      : `${report.cleaned.length} cleaned up.`;
  return { ...report, hint };
}

export function registerCleanupTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_cleanup",
    {
      title: "Remove finished tasks' worktrees",
      description:
        "Removes a finished task's worktree (shared by its topic's versions), tmux session and, if merged, branch (task_id); all_finished: every finished task's (older_than), and old task directories. Refuses, saying why, when work would be lost (uncommitted, untracked or non-regenerable ignored files, commits only the worktree or a submodule has, an unfinished merge/rebase, another branch checked out, unmerged commits); force: true removes it but keeps all of that (refs/codexmcp/kept/…, a tar of ignored files, the branch; the result says where). Never a worktree a task runs in. A damaged task is moved into its history/.",
      inputSchema: strictInput("codex_cleanup", CLEANUP_INPUT),
      outputSchema: z.looseObject({
        cleaned: z.array(z.unknown()),
        refused: z.array(z.unknown()),
        hint: z.string(),
      }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (args) => guarded("codex_cleanup", async () => ok(await runCleanup(manager, args))),
  );
}
