import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { TaskManager } from "../tasks/manager.js";
import { mergeTask } from "../tasks/merge.js";
import { guarded, ok } from "./result.js";
import { taskIdField } from "./schemas.js";
import { strictInput } from "./strict.js";

export const MERGE_INPUT = {
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
    .describe("Commit work the agent left uncommitted in the worktree first (default: refuse, saying what)."),
};

export type MergeArgs = z.infer<z.ZodObject<typeof MERGE_INPUT>>;

/**
 * codex_merge's answer (shared with the command line and the web board). `dryRun` (the board's
 * pre-check; not a tool parameter) runs every check and the conflict prediction, changing nothing.
 */
export function runMerge(manager: TaskManager, args: MergeArgs, opts: { dryRun?: boolean } = {}) {
  return mergeTask(manager, args.task_id, {
    strategy: args.strategy,
    message: args.message,
    commitUncommitted: args.commit_uncommitted,
    dryRun: opts.dryRun,
  });
}

export function registerMergeTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_merge",
    {
      title: "Merge a task's branch into its base",
      description:
        'Merges a finished task\'s branch agent/<type>-<desc> into the branch it was dispatched from, in that checkout (on it, clean): this changes your branch. On a predicted conflict: merged: false with the paths, nothing changed. strategy "merge", "squash" (one commit) or "rebase" (replayed, fast-forward). Refused, changing nothing, while a task runs there, during an unfinished merge/rebase/cherry-pick/revert/bisect in either checkout, when the worktree is off the agent branch, or when it would overwrite untracked or ignored files.',
      inputSchema: strictInput("codex_merge", MERGE_INPUT),
      outputSchema: z.looseObject({ merged: z.boolean(), hint: z.string() }),
      // It changes the user's branch: clients must treat it as destructive.
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async (args) => guarded("codex_merge", async () => ok(await runMerge(manager, args))),
  );
}
