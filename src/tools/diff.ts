import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { worktreePatch } from "../git/patch.js";
import type { TaskManager } from "../tasks/manager.js";
import { UserError } from "../util/errors.js";
import { pathExists } from "../util/files.js";
import { guarded, ok } from "./result.js";
import { taskIdField } from "./schemas.js";
import { strictInput } from "./strict.js";

const DEFAULT_MAX_BYTES = 256 * 1024;
const MAX_MAX_BYTES = 8 * 1024 * 1024;

export const DIFF_INPUT = {
  task_id: taskIdField,
  path: z
    .string()
    .min(1)
    .max(4096)
    .refine(
      (p) => !p.startsWith("/") && !p.startsWith("-") && !p.split("/").includes(".."),
      "path must be relative to the repository, without .. or a leading -",
    )
    .optional()
    .describe("Only this file or directory (relative to the repository root)."),
  max_bytes: z
    .number()
    .int()
    .min(1024, "max_bytes must be at least 1024")
    .max(MAX_MAX_BYTES, `max_bytes must be at most ${MAX_MAX_BYTES}`)
    .optional()
    .describe(`Cap on the patch text (default ${DEFAULT_MAX_BYTES}).`),
};

export type DiffArgs = z.infer<z.ZodObject<typeof DIFF_INPUT>>;

/** codex_diff's answer (shared with the command line): refusals are UserErrors. */
export async function runDiff(manager: TaskManager, args: DiffArgs) {
  const obs = await manager.observe(args.task_id);
  const g = obs.meta.git;
  if (!g) {
    throw new UserError(
      `Task ${obs.meta.task_id} has no worktree (${obs.meta.sandbox}${obs.meta.ran_in_place ? ", ran in place outside git" : ""}); codex_diff works for full-access and workspace-write tasks in a git repository.`,
    );
  }
  if (obs.meta.remote && !obs.meta.remote.collected_at) {
    throw new UserError(
      `Task ${obs.meta.task_id} runs on host ${obs.meta.remote.host}; its branch ${g.agent_branch} comes back into ${g.repo_root} when it ends. Wait for it (the codex_wait tool of this server), then call codex_diff again.`,
    );
  }
  if (!(await pathExists(g.worktree_dir))) {
    throw new UserError(
      `The worktree ${g.worktree_dir} of task ${obs.meta.task_id} no longer exists (cleaned up?); its branch ${g.agent_branch} may still hold the commits.`,
    );
  }
  const patch = await worktreePatch(g.worktree_dir, g.base_commit, {
    path: args.path,
    maxBytes: args.max_bytes ?? DEFAULT_MAX_BYTES,
  });
  return {
    task_id: obs.meta.task_id,
    status: obs.status,
    worktree_dir: g.worktree_dir,
    agent_branch: g.agent_branch,
    base_commit: g.base_commit,
    ...patch,
  };
}

export function registerDiffTool(server: McpServer, manager: TaskManager): void {
  server.registerTool(
    "codex_diff",
    {
      title: "Review a task's changes",
      description:
        "The patch of a worktree task against the commit it branched from (its commits, uncommitted and new files) with per-file stats. Cut at max_bytes, saying where; path narrows it. Works while the task runs.",
      inputSchema: strictInput("codex_diff", DIFF_INPUT),
      outputSchema: z.looseObject({ patch: z.string(), truncated: z.boolean() }),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => guarded("codex_diff", async () => ok(await runDiff(manager, args))),
  );
}
