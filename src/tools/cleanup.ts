import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { durationSeconds } from "../config/duration.js";
import { cleanupTasks } from "../tasks/cleanup.js";
import type { TaskManager } from "../tasks/manager.js";
import { UserError } from "../util/errors.js";
import { guarded, ok } from "./result.js";
import { taskIdField } from "./schemas.js";

export function registerCleanupTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_cleanup",
    {
      title: "Remove finished tasks' worktrees",
      description:
        "Removes the worktree, tmux session and — only if merged — the branch of a finished task (task_id: its worktree, shared by all versions of the topic) or of every finished task (all_finished, optionally only those that ended older_than ago). Refuses, saying why, when removing it would lose work: commits only the worktree reaches (a detached HEAD), uncommitted or untracked changes, ignored files that are not regenerable (.env, keys), an unfinished merge/rebase, a submodule's or nested repository's own commits, a worktree switched to another branch, or a branch with commits not in its base. force removes anyway but keeps all of it (commits under refs/codexmcp/kept/…, ignored files in a tar archive, unmerged branches stay; the result says where). Commits only in reflogs are always kept under refs/codexmcp/kept/. A worktree a running task uses is never removed. A damaged task (a store file unreadable) is moved into its task's history/ instead. all_finished also deletes task directories older than the retention period.",
      inputSchema: {
        task_id: taskIdField.optional(),
        all_finished: z.boolean().optional().describe("Clean up every finished task's worktree."),
        force: z
          .boolean()
          .optional()
          .describe("Remove dirty or unmerged worktrees too (their work stays reachable; see the result)."),
        older_than: z
          .union([z.number(), z.string()])
          .optional()
          .describe(
            'With all_finished: only tasks that ended at least this long ago (seconds, or "7d", "12h").',
          ),
      },
      outputSchema: {
        cleaned: z.array(
          z.object({
            worktree_dir: z.string().nullable(),
            tasks: z.array(z.string()),
            worktree_removed: z.boolean(),
            branch: z.string().nullable(),
            branch_deleted: z.boolean(),
            branch_kept: z.string().optional(),
            saved_ref: z
              .string()
              .optional()
              .describe("uncommitted work, as a commit: git diff HEAD <ref> shows it"),
            saved_refs: z
              .array(z.string())
              .optional()
              .describe("every ref made to keep commits that would otherwise be lost"),
            saved_archive: z.string().optional().describe("tar archive of the worktree's ignored files"),
            discarded: z
              .array(z.string())
              .optional()
              .describe("regenerable ignored directories (dependencies, caches) removed with the worktree"),
            sessions_closed: z.number(),
          }),
        ),
        refused: z.array(
          z.object({
            worktree_dir: z.string().nullable(),
            tasks: z.array(z.string()),
            reasons: z.array(z.string()),
          }),
        ),
        task_dirs_removed: z.array(z.string()),
        damaged_archived: z
          .array(z.object({ task_id: z.string(), archived_to: z.string() }))
          .describe("damaged runs moved into their task's history/ (nothing deleted)"),
        hint: z.string(),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (args) =>
      guarded("codex_cleanup", async () => {
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
        });
        if (args.task_id && report.refused.length > 0 && report.cleaned.length === 0) {
          const reasons = report.refused.flatMap((r) => r.reasons).join("; ");
          throw new UserError(
            `Not cleaned up: ${reasons}. Merge first (codex_merge), or pass force: true to remove it anyway — the work stays reachable.`,
          );
        }
        const hint =
          report.refused.length > 0
            ? `${report.refused.length} worktree(s) refused (see reasons); force: true removes them while keeping their work reachable.`
            : `${report.cleaned.length} cleaned up.`;
        return ok({ ...report, hint });
      }),
  );
}
