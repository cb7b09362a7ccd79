import type { Observation } from "../../lifecycle/observe.js";
import { isStalled } from "../../tasks/stalls.js";
import { formatDuration, secondsBetween } from "../../util/time.js";
import { type Paint, paintStatus, table, taskLabel, visibleLength } from "../style.js";

export interface WatchRow {
  readonly obs: Observation;
  readonly activity: string;
  readonly queuePosition?: number | undefined;
  /** Active tasks: seconds since the agent last printed anything. */
  readonly idleSeconds?: number | undefined;
}

const ORDER: Record<string, number> = { running: 0, starting: 0, queued: 1 };

export const WATCH_KEYS =
  "↑↓/jk select · Enter attach · l log · d diff · c cancel · m merge · r reply · q quit";

/** Rows in the order the view shows them: running, queued (by place), then newest first. */
export function sortRows(rows: readonly WatchRow[]): WatchRow[] {
  return [...rows].sort(
    (a, b) =>
      (ORDER[a.obs.status] ?? 2) - (ORDER[b.obs.status] ?? 2) ||
      (a.queuePosition ?? 0) - (b.queuePosition ?? 0) ||
      b.obs.meta.created_at.localeCompare(a.obs.meta.created_at),
  );
}

/** 1234 → "1.2k", 2_500_000 → "2.5M". */
export function shortCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

function tokens(obs: Observation): string {
  const u = obs.result?.usage;
  if (!u) return "";
  const total = u.total_tokens ?? (u.input_tokens ?? 0) + (u.output_tokens ?? 0);
  return total > 0 ? shortCount(total) : "";
}

export interface WatchFrameOptions {
  readonly p: Paint;
  readonly width: number;
  readonly height: number;
  readonly maxParallel: number;
  readonly home: string;
  readonly now?: Date;
  /** Interactive: the selected task (marked with ›, and in reverse video with colours). */
  readonly selected?: string | undefined;
  /** Interactive: a line above the footer (what the last action did, a question). */
  readonly message?: string | undefined;
  /** Interactive: the keys. */
  readonly footer?: string | undefined;
  /** Idle times at or past this (notify.stall_after) are shown as a stall. */
  readonly stallAfterSeconds?: number | undefined;
}

/** Cuts a line to the terminal's width, so nothing wraps and the frame keeps its height. */
export function fitLine(line: string, width: number): string {
  if (visibleLength(line) <= width) return line;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colours
  const plain = line.replace(/\u001b\[[0-9;]*m/g, "");
  return `${plain.slice(0, Math.max(0, width - 1))}…`;
}

/** One frame of the live view: counts, then running, queued and recent tasks with what each is doing. */
export function renderWatch(rows: readonly WatchRow[], opts: WatchFrameOptions): string {
  const { p } = opts;
  const count = (s: string[]) => rows.filter((r) => s.includes(r.obs.status)).length;
  const running = count(["running", "starting"]);
  const queued = count(["queued"]);
  const finished = rows.length - running - queued;
  const clock = (opts.now ?? new Date()).toTimeString().slice(0, 8);
  const interactive = opts.footer !== undefined;
  const head = `${p.bold("codexmcp watch")}  ${p.cyan(`${running} running`)} / max ${opts.maxParallel} · ${p.blue(`${queued} queued`)} · ${finished} finished   ${p.dim(`${clock}${interactive ? "" : " · q to quit"}`)}`;
  const sorted = sortRows(rows);
  // The frame must leave the terminal's last row free (the cursor ends there): the heading, a
  // blank line and the table's header take three rows, "… N more" one when it is shown, and
  // the message and footer two more in the interactive view.
  const room = Math.max(1, opts.height - 4 - (interactive ? 2 : 0));
  const at = Math.max(
    0,
    sorted.findIndex((r) => r.obs.meta.task_id === opts.selected),
  );
  const fits = sorted.length <= room;
  const visible = fits ? room : Math.max(1, room - 1);
  // Scroll so the selected task is always on screen.
  const first = fits ? 0 : Math.min(Math.max(0, at - visible + 1), sorted.length - visible);
  const shown = sorted.slice(first, first + visible);
  const body = shown.map((r) => {
    const o = r.obs;
    const secs = o.result?.elapsed_seconds ?? (o.meta.started_at ? secondsBetween(o.meta.started_at) : 0);
    const where = o.status === "queued" ? `queued #${r.queuePosition ?? "?"}` : r.activity;
    const idle =
      r.idleSeconds === undefined
        ? ""
        : isStalled(o, r.idleSeconds, opts.stallAfterSeconds ?? 0)
          ? p.yellow(`${formatDuration(r.idleSeconds)}!`)
          : formatDuration(r.idleSeconds);
    const mark = interactive ? (o.meta.task_id === opts.selected ? "› " : "  ") : "";
    return [
      `${mark}${taskLabel(o.meta)}`,
      paintStatus(p, o.status),
      formatDuration(secs),
      idle,
      tokens(o),
      where,
    ];
  });
  const tbl =
    rows.length === 0
      ? p.dim(`no tasks yet (state in ${opts.home})`)
      : table([`${interactive ? "  " : ""}TASK`, "STATUS", "ELAPSED", "IDLE", "TOKENS", "ACTIVITY"], body, {
          maxWidth: opts.width,
          shrink: [5, 0],
        });
  const lines = tbl.split("\n").map((l, i) => {
    const row = shown[i - 1];
    const line = fitLine(l, opts.width);
    // Reverse video marks the selection on a colour terminal; the › marks it everywhere.
    return row && row.obs.meta.task_id === opts.selected && p.bold("x") !== "x"
      ? `\u001b[7m${line}\u001b[27m`
      : line;
  });
  const hidden = sorted.length - shown.length;
  const more = hidden > 0 ? [p.dim(`… ${hidden} more${first > 0 ? ` (${first} above)` : ""}`)] : [];
  const tail = interactive
    ? [fitLine(opts.message ?? "", opts.width), p.dim(fitLine(opts.footer ?? "", opts.width))]
    : [];
  return `${[fitLine(head, opts.width), "", ...lines, ...more, ...tail].join("\n")}\n`;
}
