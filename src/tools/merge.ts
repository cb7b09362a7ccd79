import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { TaskManager } from "../tasks/manager.js";
import { mergeTask } from "../tasks/merge.js";
import { guarded, ok } from "./result.js";
import { taskIdField } from "./schemas.js";

export function registerMergeTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_merge",
    {
      title: "Merge a task's branch into its base",
      description:
        'Merges a finished task\'s branch (agent/<type>-<desc>) into the branch it was dispatched from, in that checkout. First checks that the checkout is on the base branch and clean and predicts conflicts without side effects: on a predicted conflict it returns merged: false with the conflicting paths and changes nothing. Strategies: "merge" (a merge commit), "squash" (one commit), "rebase" (the agent\'s commits replayed on the base, fast-forward). Refused, changing nothing, while a task runs in the worktree, while the checkout or the worktree has an unfinished merge/rebase/cherry-pick/revert/bisect, when the worktree is not on the agent branch, and when the merge would overwrite untracked or ignored files (or files with hidden local edits) in the checkout.',
      inputSchema: {
        task_id: taskIdField,
        strategy: z
          .enum(["merge", "squash", "rebase"], { message: 'strategy must be "merge", "squash" or "rebase"' })
          .describe("How to bring the branch in."),
        message: z
          .string()
          .min(1)
          .max(10_000)
          .optional()
          .describe("Commit message for merge and squash (default names the branch and task)."),
        commit_uncommitted: z
          .boolean()
          .optional()
          .describe(
            "Commit work the agent left uncommitted in the worktree before merging (default: refuse and say what is uncommitted).",
          ),
      },
      outputSchema: {
        merged: z.boolean(),
        task_id: z.string(),
        strategy: z.string(),
        base_branch: z.string(),
        agent_branch: z.string(),
        repo_root: z.string(),
        commits_merged: z.number(),
        conflicts: z.array(z.string()).optional().describe("paths that would conflict; nothing was changed"),
        base_before: z.string().optional(),
        base_after: z.string().optional(),
        diff_stat: z.string().optional(),
        saved_ref: z
          .string()
          .optional()
          .describe("rebase: the branch's commits as they were before the rebase, kept under this ref"),
        hint: z.string(),
      },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async (args) =>
      guarded("codex_merge", async () =>
        ok(
          await mergeTask(manager, args.task_id, {
            strategy: args.strategy,
            message: args.message,
            commitUncommitted: args.commit_uncommitted,
          }),
        ),
      ),
  );
}
