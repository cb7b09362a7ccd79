import type { Observation } from "../../lifecycle/observe.js";
import { formatDuration, secondsBetween } from "../../util/time.js";
import { type CliContext, EXIT } from "../context.js";
import { type Paint, paintStatus, table } from "../style.js";

export interface WatchRow {
  readonly obs: Observation;
  readonly activity: string;
  readonly queuePosition?: number | undefined;
  /** Active tasks: seconds since the agent last printed anything. */
  readonly idleSeconds?: number | undefined;
}

const ORDER: Record<string, number> = { running: 0, starting: 0, queued: 1 };

/** One frame of the live view: counts, then running, queued and recent tasks with what each is doing. */
export function renderWatch(
  rows: readonly WatchRow[],
  opts: { p: Paint; width: number; height: number; maxParallel: number; home: string; now?: Date },
): string {
  const { p } = opts;
  const count = (s: string[]) => rows.filter((r) => s.includes(r.obs.status)).length;
  const running = count(["running", "starting"]);
  const queued = count(["queued"]);
  const finished = rows.length - running - queued;
  const clock = (opts.now ?? new Date()).toTimeString().slice(0, 8);
  const head = `${p.bold("codexmcp watch")}  ${p.cyan(`${running} running`)} / max ${opts.maxParallel} · ${p.blue(`${queued} queued`)} · ${finished} finished   ${p.dim(`${clock} · q to quit`)}`;
  const sorted = [...rows].sort(
    (a, b) =>
      (ORDER[a.obs.status] ?? 2) - (ORDER[b.obs.status] ?? 2) ||
      (a.queuePosition ?? 0) - (b.queuePosition ?? 0) ||
      b.obs.meta.created_at.localeCompare(a.obs.meta.created_at),
  );
  // The frame must leave the terminal's last row free (the cursor ends there): the heading, a
  // blank line and the table's header take three rows, and "… N more" one when it is shown.
  const room = Math.max(1, opts.height - 4);
  const shown = sorted.length > room ? sorted.slice(0, Math.max(1, room - 1)) : sorted;
  const body = shown.map((r) => {
    const o = r.obs;
    const secs = o.result?.elapsed_seconds ?? (o.meta.started_at ? secondsBetween(o.meta.started_at) : 0);
    const where = o.status === "queued" ? `queued #${r.queuePosition ?? "?"}` : r.activity;
    const idle = r.idleSeconds === undefined ? "" : formatDuration(r.idleSeconds);
    return [o.meta.task_id, paintStatus(p, o.status), formatDuration(secs), idle, where];
  });
  const tbl =
    rows.length === 0
      ? p.dim(`no tasks yet (state in ${opts.home})`)
      : table(["TASK", "STATUS", "ELAPSED", "IDLE", "ACTIVITY"], body, {
          maxWidth: opts.width,
          shrink: [4, 0],
        });
  const more = sorted.length > shown.length ? `\n${p.dim(`… ${sorted.length - shown.length} more`)}` : "";
  return `${head}\n\n${tbl}${more}\n`;
}

async function collect(ctx: CliContext): Promise<WatchRow[]> {
  const list = await ctx.manager.list({ limit: 200 });
  return Promise.all(
    list.map(async (obs) => {
      let activity = "";
      if (obs.result) activity = obs.result.error ?? (obs.result.result ?? "").split("\n")[0] ?? "";
      else activity = (await ctx.manager.lastActivity(obs)) ?? "starting";
      const queuePosition =
        obs.status === "queued" ? await ctx.manager.queuePosition(obs.meta.task_id) : undefined;
      return { obs, activity, queuePosition, idleSeconds: await ctx.manager.idleSeconds(obs) };
    }),
  );
}

/** `codexmcp watch`: a live, refreshing view until q or Ctrl-C (once, without a terminal). */
export async function watch(ctx: CliContext, opts: { intervalMs: number; once: boolean }): Promise<number> {
  const tty = ctx.out.isTTY === true && !opts.once;
  const frame = async () =>
    renderWatch(await collect(ctx), {
      p: ctx.p,
      width: ctx.out.columns ?? 120,
      height: tty ? (ctx.out.rows ?? 40) : 1000,
      maxParallel: ctx.settings.maxParallel,
      home: ctx.settings.home,
    });
  if (!tty) {
    ctx.out.write(await frame());
    return EXIT.ok;
  }
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const stdin = process.stdin;
  if (stdin.isTTY) {
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", (key: Buffer) => {
      const k = key.toString();
      if (k === "q" || k === "Q" || k === "\u0003") stop();
    });
  }
  process.once("SIGINT", stop);
  ctx.out.write("\u001b[?25l");
  try {
    while (true) {
      const text = await frame();
      ctx.out.write(`\u001b[H\u001b[2J${text}`);
      const tick = new Promise<"tick">((r) => setTimeout(() => r("tick"), opts.intervalMs));
      if ((await Promise.race([tick, stopped.then(() => "stop" as const)])) === "stop") break;
    }
  } finally {
    ctx.out.write("\u001b[?25h");
    if (stdin.isTTY) {
      stdin.setRawMode(false);
      stdin.pause();
    }
  }
  return EXIT.ok;
}
