import type { z } from "zod";
import type { Settings } from "../../config/settings.js";
import type { TaskRequest } from "../../tasks/dispatch.js";
import type { TaskManager } from "../../tasks/manager.js";
import { CLEANUP_INPUT, type CleanupArgs, runCleanup } from "../../tools/cleanup.js";
import { DIFF_INPUT, type DiffArgs, runDiff } from "../../tools/diff.js";
import { EVENTS_INPUT, type EventsArgs, runEvents } from "../../tools/events.js";
import { MERGE_INPUT, type MergeArgs, runMerge } from "../../tools/merge.js";
import { type ReplyArgs, replyInput, runReply } from "../../tools/reply.js";
import { taskInputShape } from "../../tools/schemas.js";
import { runWait, type WaitArgs, waitInput } from "../../tools/wait.js";

/**
 * The commands that do what an MCP tool does: the tool's schema, the tool's body. Only how the
 * answer is shown to a person differs (render.ts).
 */
export interface ActionSpec {
  readonly command: string;
  readonly tool: string;
  readonly summary: string;
  /** The field given as positional argument(s), if any. */
  readonly positional?: { readonly field: string; readonly name: string; readonly many?: boolean };
  /** The command reads `prompt` from --prompt-file or stdin. */
  readonly prompt?: boolean;
  /** Where the command line differs from the tool, in the field's help. */
  readonly help?: Readonly<Record<string, string>>;
  shape(settings: Settings): z.ZodRawShape;
  run(manager: TaskManager, args: never, signal: AbortSignal): Promise<object>;
}

export const ACTIONS: readonly ActionSpec[] = [
  {
    command: "dispatch",
    tool: "codex_dispatch",
    summary: "start a task in the background (the prompt from --prompt-file or stdin); prints its id",
    prompt: true,
    help: { cwd: "The project directory (default: the current one; a relative path is resolved)." },
    shape: (s) => taskInputShape(s.topicTypes),
    run: (m, a: TaskRequest) => m.dispatch(a),
  },
  {
    command: "reply",
    tool: "codex_reply",
    summary: "continue an ended task's conversation as its topic's next version (prompt as for dispatch)",
    positional: { field: "task_id", name: "<task>" },
    prompt: true,
    shape: () => replyInput(),
    run: (m, a: ReplyArgs) => runReply(m, a),
  },
  {
    command: "diff",
    tool: "codex_diff",
    summary: "a worktree task's changes against the commit it branched from, with per-file stats",
    positional: { field: "task_id", name: "<task>" },
    shape: () => DIFF_INPUT,
    run: (m, a: DiffArgs) => runDiff(m, a),
  },
  {
    command: "merge",
    tool: "codex_merge",
    summary: "merge a finished task's branch into the branch it was dispatched from",
    positional: { field: "task_id", name: "<task>" },
    shape: () => MERGE_INPUT,
    run: (m, a: MergeArgs) => runMerge(m, a),
  },
  {
    command: "cleanup",
    tool: "codex_cleanup",
    summary: "remove a finished task's worktree (or every finished task's), keeping any work",
    positional: { field: "task_id", name: "[task]" },
    shape: () => CLEANUP_INPUT,
    run: (m, a: CleanupArgs) => runCleanup(m, a),
  },
  {
    command: "events",
    tool: "codex_events",
    summary: "a page of a task's events (one JSON object per line)",
    positional: { field: "task_id", name: "<task>" },
    shape: () => EVENTS_INPUT,
    run: (m, a: EventsArgs) => runEvents(m, a),
  },
  {
    command: "wait",
    tool: "codex_wait",
    summary: "block until one of the tasks (or any task) ends; without --timeout_seconds, until one does",
    positional: { field: "task_ids", name: "[task]...", many: true },
    help: {
      timeout_seconds: "How long to block in all (default: until a task ends); then it answers timeout.",
    },
    shape: (s) => waitInput(s),
    run: (m, a: WaitArgs, signal) => runWait(m, a, signal),
  },
];

export function actionSpec(command: string): ActionSpec | undefined {
  return ACTIONS.find((a) => a.command === command);
}
