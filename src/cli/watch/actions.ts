import { runCancel } from "../../tools/cancel.js";
import { runDiff } from "../../tools/diff.js";
import { MERGE_INPUT, runMerge } from "../../tools/merge.js";
import { replyInput, runReply } from "../../tools/reply.js";
import { parseToolInput } from "../../tools/strict.js";
import { UserError } from "../../util/errors.js";
import { tailLines } from "../../util/tail.js";
import { render } from "../actions/render.js";
import type { CliContext } from "../context.js";
import type { Mode } from "./screen.js";

/*
 * What the keys of the interactive watch do to a task. Each runs the MCP tool's own body (and
 * its input check), so a refusal reads word for word as the tool's; each answers with the one
 * line the board shows, or the view to open.
 */

/** The newest lines of a task's transcript (what its tmux pane shows). */
export async function logLines(ctx: CliContext, taskId: string): Promise<string[]> {
  return tailLines(await ctx.manager.store.readablePath(taskId, "log"), 2000).catch(() => []);
}

/** l: the transcript, followed as it grows. */
export async function logPager(ctx: CliContext, taskId: string): Promise<Mode> {
  return {
    kind: "pager",
    title: `${taskId} — transcript`,
    lines: await logLines(ctx, taskId),
    top: 0,
    follow: taskId,
  };
}

/** d: the task's diff against the commit it branched from, with per-file stats. */
export async function diffPager(ctx: CliContext, taskId: string): Promise<Mode> {
  const answer = await runDiff(ctx.manager, { task_id: taskId });
  return {
    kind: "pager",
    title: `${taskId} — diff against ${answer.base_commit.slice(0, 12)}`,
    lines: render("diff", ctx.p, answer).out.replace(/\n$/, "").split("\n"),
    top: 0,
  };
}

/** c: asks first; yes stops the task as codex_cancel does. */
export function cancelQuestion(ctx: CliContext, taskId: string): Mode {
  return {
    kind: "confirm",
    question: `Cancel ${taskId}? Its processes stop; worktree and logs stay.`,
    yes: async () => (await runCancel(ctx.manager, taskId, "cli")).message,
  };
}

/** m then m/s/r: codex_merge with that strategy; a merge that did not happen is a refusal. */
export async function mergeTask(ctx: CliContext, taskId: string, strategy: string): Promise<string> {
  const args = parseToolInput("codex_merge", MERGE_INPUT, { task_id: taskId, strategy });
  const outcome = await runMerge(ctx.manager, args);
  const said = render("merge", { ...ctx.p, red: String, green: String }, outcome).out.split("\n")[0] ?? "";
  if (!outcome.merged) throw new UserError(said);
  return said;
}

/** r: a follow-up prompt, sent as codex_reply; `replied` learns the new task's id. */
export function replyPrompt(ctx: CliContext, taskId: string, replied: (newTaskId: string) => void): Mode {
  return {
    kind: "input",
    label: `Reply to ${taskId}: `,
    text: "",
    submit: async (text) => {
      const args = parseToolInput("codex_reply", replyInput(), { task_id: taskId, prompt: text });
      const v = await runReply(ctx.manager, args);
      replied(v.task_id);
      return `${v.task_id} ${v.status}: continues ${v.replied_to}`;
    },
  };
}
