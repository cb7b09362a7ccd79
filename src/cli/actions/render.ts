import type { CleanedItem, RefusedItem } from "../../tasks/cleanup.js";
import type { MergeOutcome } from "../../tasks/merge.js";
import type { DispatchView, TaskView } from "../../tasks/view.js";
import { describe } from "../commands/tasks.js";
import { EXIT } from "../context.js";
import { type Paint, paintStatus, table } from "../style.js";

/** What a command prints for a person (stdout), what it adds on stderr, and its exit code. */
export interface Rendered {
  readonly out: string;
  readonly note?: string;
  readonly code: number;
}

/**
 * A tool's advice in command-line words, for what a command prints on success: a person reads
 * `codexmcp cleanup <task>`, not `codex_cleanup(task_id="<task>")`. (Refusals stay word for word
 * the tool's, with a line on how its names map.)
 */
export function forPerson(text: string, taskId?: string): string {
  return text
    .replace(/\bcodex_([a-z]+)\(task_id="([^"]+)"\)/g, "codexmcp $1 $2")
    .replace(/\bcall codex_events again with cursor (\d+)/g, (_, n: string) =>
      taskId ? `run codexmcp events ${taskId} --cursor ${n}` : `run codexmcp events --cursor ${n}`,
    )
    .replace(/\bforce: true\b/g, "--force")
    .replace(/\bcommit_uncommitted: true\b/g, "--commit_uncommitted")
    .replace(/\bcodex_(merge|cleanup|diff|reply|wait|events|dispatch|cancel)\b/g, "codexmcp $1");
}

function dispatched(p: Paint, v: DispatchView & { replied_to?: string }): Rendered {
  const lines = [
    `${p.bold(v.task_id)}  ${paintStatus(p, v.status)}${v.queue_position ? ` (#${v.queue_position} in the queue)` : ""}`,
  ];
  if (v.replied_to) lines.push(`  continues ${v.replied_to}`);
  if (v.worktree_dir) lines.push(`  worktree  ${v.worktree_dir} (${v.agent_branch})`);
  if (v.attach_command) lines.push(`  watch     ${v.attach_command}`);
  lines.push(`  log       ${v.log_file}`);
  if (v.note) lines.push(`  note      ${v.note}`);
  lines.push(`  then      codexmcp wait ${v.task_id}${v.cursor ? ` --cursor ${v.cursor}` : ""}`);
  return { out: `${lines.join("\n")}\n`, code: EXIT.ok };
}

interface DiffAnswer {
  task_id: string;
  files: readonly { path: string; insertions: number; deletions: number; binary: boolean }[];
  patch: string;
  truncated: boolean;
  cut_at?: string;
  diff_stat?: string;
}

function diff(p: Paint, d: DiffAnswer): Rendered {
  const rows = d.files.map((f) => [
    f.binary ? "bin" : p.green(`+${f.insertions}`),
    f.binary ? "" : p.red(`-${f.deletions}`),
    f.path,
  ]);
  const stats = d.files.length === 0 ? p.dim("no changes") : table(["ADDED", "REMOVED", "FILE"], rows);
  const patch = d.patch
    .split("\n")
    .map((l) =>
      l.startsWith("+++") || l.startsWith("---")
        ? p.bold(l)
        : l.startsWith("+")
          ? p.green(l)
          : l.startsWith("-")
            ? p.red(l)
            : l.startsWith("@@")
              ? p.cyan(l)
              : l,
    )
    .join("\n");
  return {
    out: `${stats}\n${d.patch ? `\n${patch}${patch.endsWith("\n") ? "" : "\n"}` : ""}`,
    note: d.truncated
      ? `the patch is cut${d.cut_at ? ` ${d.cut_at}` : ""}; --max_bytes or --path shows more`
      : undefined,
    code: EXIT.ok,
  };
}

function merge(p: Paint, m: MergeOutcome): Rendered {
  if (!m.merged) {
    const lines = [`${p.red("not merged")}: ${m.hint}`];
    for (const c of m.conflicts ?? []) lines.push(`  conflict  ${c}`);
    return { out: `${lines.join("\n")}\n`, code: EXIT.failure };
  }
  const lines = [
    `${p.green("merged")} ${m.agent_branch} into ${m.base_branch} (${m.strategy}, ${m.commits_merged} commit(s))${m.diff_stat ? `: ${m.diff_stat}` : ""}`,
  ];
  if (m.base_before && m.base_after)
    lines.push(`  ${m.base_branch}  ${m.base_before.slice(0, 12)} → ${m.base_after.slice(0, 12)}`);
  if (m.saved_ref) lines.push(`  kept      ${m.saved_ref}`);
  lines.push(`  ${forPerson(m.hint)}`);
  return { out: `${lines.join("\n")}\n`, code: EXIT.ok };
}

function cleanup(
  p: Paint,
  r: {
    cleaned: CleanedItem[];
    refused: RefusedItem[];
    task_dirs_removed: string[];
    damaged_archived: { task_id: string; archived_to: string }[];
    hint: string;
  },
): Rendered {
  const lines: string[] = [];
  for (const c of r.cleaned) {
    lines.push(`${p.green("cleaned")}  ${c.worktree_dir ?? "(no worktree)"}  ${c.tasks.join(", ")}`);
    if (c.branch) lines.push(`  branch ${c.branch} ${c.branch_deleted ? "deleted (merged)" : "kept"}`);
    for (const kept of [c.branch_kept, c.saved_ref, ...(c.saved_refs ?? []), c.saved_archive])
      if (kept) lines.push(`  kept   ${kept}`);
  }
  for (const r2 of r.refused)
    lines.push(
      `${p.yellow("refused")}  ${r2.worktree_dir ?? "-"}  ${r2.tasks.join(", ")}: ${r2.reasons.join("; ")}`,
    );
  for (const d of r.damaged_archived) lines.push(`${p.yellow("archived")} ${d.task_id} → ${d.archived_to}`);
  if (r.task_dirs_removed.length > 0)
    lines.push(
      `${r.task_dirs_removed.length} old task director${r.task_dirs_removed.length === 1 ? "y" : "ies"} removed`,
    );
  lines.push(p.dim(forPerson(r.hint)));
  return { out: `${lines.join("\n")}\n`, code: EXIT.ok };
}

function events(page: {
  task_id: string;
  events: unknown[];
  next_cursor: number;
  has_more: boolean;
  hint?: string;
}): Rendered {
  const out = page.events.map((e) => JSON.stringify(e)).join("\n");
  return {
    out: out ? `${out}\n` : "",
    note: page.hint
      ? forPerson(page.hint, page.task_id).replace(/(?<![-\w])(max_bytes|truncate|types)\b/g, "--$1")
      : `next cursor ${page.next_cursor} (events written later start there)`,
    code: EXIT.ok,
  };
}

type WaitAnswer =
  | {
      status: "timeout" | "idle";
      cursor: string;
      running: { task_id: string; status: string }[];
      hint: string;
    }
  | { status: string; cursor: string; task: TaskView; running: { task_id: string }[]; hint: string };

function waited(p: Paint, w: WaitAnswer): Rendered {
  if ("task" in w) {
    const others =
      w.running.length > 0
        ? `${w.running.length} other task(s) still running; next: codexmcp wait --cursor ${w.cursor}`
        : undefined;
    return {
      out: describe({ p }, w.task),
      note: others,
      code: w.status === "completed" ? EXIT.ok : EXIT.failure,
    };
  }
  const lines = [
    w.status === "idle"
      ? "nothing is running and nothing ended: nothing to wait for"
      : `nothing ended yet; ${w.running.length} task(s) still running`,
  ];
  for (const r of w.running) lines.push(`  ${r.task_id}  ${paintStatus(p, r.status)}`);
  return { out: `${lines.join("\n")}\n`, note: `cursor ${w.cursor}`, code: EXIT.failure };
}

export function render(command: string, p: Paint, answer: object): Rendered {
  switch (command) {
    case "dispatch":
    case "reply":
      return dispatched(p, answer as DispatchView);
    case "diff":
      return diff(p, answer as DiffAnswer);
    case "merge":
      return merge(p, answer as MergeOutcome);
    case "cleanup":
      return cleanup(p, answer as Parameters<typeof cleanup>[1]);
    case "events":
      return events(answer as Parameters<typeof events>[0]);
    case "wait":
      return waited(p, answer as WaitAnswer);
    default:
      return { out: `${JSON.stringify(answer, null, 2)}\n`, code: EXIT.ok };
  }
}

/** The exit code of an answer, whether it is printed for a person or as JSON. */
export function exitCode(command: string, answer: object): number {
  return render(
    command,
    {
      bold: String,
      dim: String,
      red: String,
      green: String,
      yellow: String,
      blue: String,
      cyan: String,
    } as Paint,
    answer,
  ).code;
}
