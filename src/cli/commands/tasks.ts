import { realpathSync } from "node:fs";
import { execa } from "execa";
import { isTerminal } from "../../core/types.js";
import { tmuxOf } from "../../hosts/local/local-hosts.js";
import type { Tmux } from "../../hosts/tmux/tmux.js";
import type { Observation } from "../../lifecycle/observe.js";
import type { TaskView } from "../../tasks/view.js";
import { UserError } from "../../util/errors.js";
import { openReadNoFollow } from "../../util/tail.js";
import { formatDuration, secondsBetween } from "../../util/time.js";
import { type CliContext, EXIT } from "../context.js";
import { paintStatus, table, taskLabel } from "../style.js";

function elapsed(obs: Observation): number {
  return obs.result?.elapsed_seconds ?? (obs.meta.started_at ? secondsBetween(obs.meta.started_at) : 0);
}

function shortDiff(obs: Observation): string {
  const r = obs.result;
  if (!r || r.diff_stat === undefined) return obs.meta.git ? "" : "-";
  if (!r.files_changed) return "none";
  return `+${r.insertions ?? 0} -${r.deletions ?? 0} (${r.files_changed} file${r.files_changed === 1 ? "" : "s"})${r.commits_ahead ? ` ${r.commits_ahead}c` : ""}`;
}

/** `codexmcp ls`: every task, newest first, as a table or JSON. */
export async function ls(
  ctx: CliContext,
  opts: { json: boolean; active: boolean; limit?: number; cwd?: string },
): Promise<number> {
  const list = await ctx.manager.list({ activeOnly: opts.active, limit: opts.limit, cwd: opts.cwd });
  if (opts.json) {
    const views = await Promise.all(list.map((o) => ctx.manager.view(o)));
    ctx.out.write(`${JSON.stringify(views, null, 2)}\n`);
    return EXIT.ok;
  }
  if (list.length === 0) {
    ctx.out.write(`No tasks${opts.active ? " running" : ""} (state in ${ctx.settings.home}).\n`);
    return EXIT.ok;
  }
  const rows = list.map((o) => [
    taskLabel(o.meta),
    paintStatus(ctx.p, o.status),
    formatDuration(elapsed(o)),
    o.meta.git?.agent_branch ?? "-",
    shortDiff(o),
  ]);
  ctx.out.write(
    `${table(["TASK", "STATUS", "ELAPSED", "BRANCH", "DIFF"], rows, { maxWidth: ctx.out.columns, shrink: [0, 3] })}\n`,
  );
  return EXIT.ok;
}

export function describe(
  ctx: Pick<CliContext, "p">,
  v: TaskView,
  more: { hostTaskId?: string | undefined } = {},
): string {
  const { p } = ctx;
  const lines: string[] = [];
  const mark = v.success === true ? p.green(" ✓") : v.success === false ? p.red(" ✗") : "";
  lines.push(
    `${p.bold(v.task_id)}  ${paintStatus(p, v.status)}${mark}  ${formatDuration(v.elapsed_seconds)}`,
  );
  const row = (k: string, val: string | number | null | undefined) => {
    if (val !== undefined && val !== null && val !== "") lines.push(`  ${p.dim(k.padEnd(10))} ${val}`);
  };
  row("topic", v.topic);
  row("sandbox", v.sandbox);
  if (v.host) {
    const there = more.hostTaskId && more.hostTaskId !== v.task_id ? `, ${more.hostTaskId} there` : "";
    row(
      "host",
      `${v.host}${there}${v.host_unreachable_since ? ` (unreachable since ${v.host_unreachable_since})` : ""}`,
    );
  }
  row("cwd", v.cwd);
  if (v.worktree_dir)
    row(
      "worktree",
      `${v.worktree_dir}  (${v.agent_branch} from ${v.base_branch ?? "detached HEAD"} @ ${String(v.base_commit).slice(0, 12)})`,
    );
  if (v.diff_stat !== undefined)
    row("diff", `${v.diff_stat || "no changes"} · ${v.commits_ahead ?? 0} commit(s) ahead`);
  row("queue", v.queue_position ? `#${v.queue_position}` : undefined);
  row("port", v.port);
  row("session", v.session_id);
  if (v.usage) row("tokens", `in ${v.usage.input_tokens ?? 0}, out ${v.usage.output_tokens ?? 0}`);
  row("tmux", v.attach_command);
  row("log", v.log_file);
  row("note", v.note);
  if (v.error) lines.push(`  ${p.dim("error".padEnd(10))} ${p.red(v.error)}`);
  const audit = v.readonly_audit as
    | {
        verdict?: string;
        violations_detected?: number;
        workspace?: string;
        note?: string;
        violations?: { source: string; detail: string }[];
      }
    | undefined;
  if (audit) {
    const verdict = audit.verdict === "CLEAN" ? p.green("CLEAN") : p.red(String(audit.verdict));
    row("audit", `${verdict} (${audit.violations_detected ?? 0} finding(s)); workspace ${audit.workspace}`);
    for (const f of (audit.violations ?? []).slice(0, 10))
      lines.push(`             ${p.dim(f.source)} ${f.detail}`);
    if (audit.note) lines.push(`             ${audit.note}`);
  }
  if (v.last_activity && !isTerminal(v.status)) row("doing", v.last_activity);
  if (v.recent_events?.length) {
    lines.push(`  ${p.dim("recent")}`);
    for (const e of v.recent_events) lines.push(`    ${e}`);
  }
  if (v.result) {
    lines.push("", p.bold("result:"));
    for (const l of v.result.split("\n")) lines.push(`  ${l}`);
  }
  return `${lines.join("\n")}\n`;
}

/** `codexmcp show <task>`: one task's details. */
export async function show(ctx: CliContext, taskId: string, opts: { json: boolean }): Promise<number> {
  const obs = await ctx.manager.observe(taskId);
  const v = await ctx.manager.view(obs, true);
  ctx.out.write(
    opts.json
      ? `${JSON.stringify(v, null, 2)}\n`
      : describe(ctx, v, { hostTaskId: obs.meta.remote?.task_id }),
  );
  return EXIT.ok;
}

/** `codexmcp cancel <task>`. */
export async function cancel(
  ctx: CliContext,
  taskId: string,
  opts: { json: boolean; abandon?: boolean },
): Promise<number> {
  const { obs, wasRunning } = await ctx.manager.cancel(
    taskId,
    { by: "cli" },
    { abandon: opts.abandon === true },
  );
  const v = await ctx.manager.view(obs);
  const cancelled = wasRunning && obs.status === "cancelled";
  if (opts.json) ctx.out.write(`${JSON.stringify({ ...v, cancelled }, null, 2)}\n`);
  else
    ctx.out.write(
      cancelled
        ? `${v.task_id}: ${paintStatus(ctx.p, v.status)}; ${obs.result?.error?.startsWith("abandoned") ? obs.result.error : "worktree and logs kept."}\n`
        : wasRunning
          ? `${v.task_id} ended on its own as ${paintStatus(ctx.p, v.status)} before the cancel took effect; nothing was cancelled.\n`
          : `${v.task_id} had already ended (${paintStatus(ctx.p, v.status)}); nothing to cancel.\n`,
    );
  return EXIT.ok;
}

/** `codexmcp logs <task> [-f]`: the transcript, optionally followed until the task ends. */
export async function logs(
  ctx: CliContext,
  taskId: string,
  opts: { follow: boolean; lines?: number },
): Promise<number> {
  const obs = await ctx.manager.observe(taskId);
  const file = await ctx.manager.store.readablePath(obs.meta.task_id, "log");
  let offset = 0;
  // Bytes in, the same bytes out: offsets count bytes, never characters (a "·" or "│" is two or
  // three bytes), and a line still being written is printed once it is complete.
  const emit = async (from: number, limitLines?: number): Promise<number> => {
    const handle = await openReadNoFollow(file);
    if (!handle) return from;
    try {
      const { size } = await handle.stat();
      if (size <= from) return from;
      const buf = Buffer.alloc(size - from);
      const { bytesRead } = await handle.read(buf, 0, buf.length, from);
      const whole = buf.subarray(0, buf.lastIndexOf(10, bytesRead - 1) + 1);
      if (whole.length === 0) return from;
      let shown = whole;
      if (limitLines !== undefined) {
        // The start of the last `limitLines` lines: walk back over that many newlines.
        let at = whole.length - 1;
        for (let n = 0; n < limitLines && at > 0; n++) at = whole.lastIndexOf(10, at - 1);
        shown = at > 0 ? whole.subarray(at + 1) : whole;
      }
      ctx.out.write(shown);
      return from + whole.length;
    } finally {
      await handle.close();
    }
  };
  offset = await emit(0, opts.lines);
  if (!opts.follow) return EXIT.ok;
  for (;;) {
    const done = isTerminal((await ctx.manager.observe(obs.meta.task_id)).status);
    offset = await emit(offset);
    if (done) {
      offset = await emit(offset);
      return EXIT.ok;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Whether this process runs in a pane of `tmux`'s server ($TMUX names the socket first). */
function insideServer(tmux: Tmux): boolean {
  const socket = process.env.TMUX?.split(",")[0];
  if (!socket) return false;
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  return real(socket) === real(tmux.socketPath());
}

/** `codexmcp attach <task|topic>`: tmux attach to the task's session, on its server. */
export async function attach(ctx: CliContext, taskId: string): Promise<number> {
  const obs = await ctx.manager.observe(taskId);
  if (obs.meta.host === "ssh") return attachRemote(ctx, obs);
  const tmux = tmuxOf(obs.meta);
  if (!tmux || !obs.meta.tmux_session) {
    throw new UserError(
      `${obs.meta.task_id} is a ${obs.meta.sandbox} task and runs without tmux; follow it with: codexmcp logs -f ${obs.meta.task_id}`,
    );
  }
  if (!(await tmux.hasSession(obs.meta.tmux_session))) {
    throw new UserError(
      `${obs.meta.task_id} has ${obs.status} and its tmux session is gone; read its transcript with: codexmcp logs ${obs.meta.task_id}`,
    );
  }
  const target = `=${obs.meta.tmux_session}`;
  // Inside a pane of the task's own tmux server, tmux refuses a nested attach ("sessions should be
  // nested with care"): switch this client to the task's session instead.
  if (insideServer(tmux)) {
    const [bin = "tmux", ...args] = tmux.switchArgv(target);
    const r = await execa(bin, args, { stdin: "ignore", reject: false });
    if (r.exitCode !== 0)
      throw new UserError(
        `tmux switch-client to ${obs.meta.tmux_session} failed: ${String(r.stderr).trim()}`,
      );
    ctx.out.write(`switched this tmux client to ${obs.meta.tmux_session} (back: tmux switch-client -l)\n`);
    return EXIT.ok;
  }
  if (!process.stdin.isTTY)
    throw new UserError(
      `attach needs a terminal; run it in one, or: ${tmux.attachCommand(obs.meta.tmux_session)}`,
    );
  const [bin = "tmux", ...args] = tmux.attachArgv(target);
  const r = await execa(bin, args, { stdio: "inherit", reject: false });
  return r.exitCode ?? EXIT.failure;
}

/** A task on a remote host: `ssh -t <host> tmux attach -t <session>` over the host's shared connection. */
async function attachRemote(ctx: CliContext, obs: Observation): Promise<number> {
  const host = ctx.manager.hosts.ssh;
  const command = host.attachCommand(obs.meta);
  const attach = obs.meta.remote?.attach;
  if (isTerminal(obs.status) || !command || !attach) {
    throw new UserError(
      `${obs.meta.task_id} has ${obs.status} on host ${obs.meta.remote?.host} and its tmux session there is gone; read its transcript with: codexmcp logs ${obs.meta.task_id}`,
    );
  }
  if (!process.stdin.isTTY) throw new UserError(`attach needs a terminal; run it in one, or: ${command}`);
  const ssh = host.client(obs.meta).ssh;
  const [bin = "ssh", ...args] = ssh.argv(attach, { tty: true, shared: await ssh.prepare() });
  const r = await execa(bin, args, { stdio: "inherit", reject: false });
  return r.exitCode ?? EXIT.failure;
}
