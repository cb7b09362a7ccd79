import { promises as fsp } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { parseDurationSeconds } from "../../config/duration.js";
import { type UsageReport, type UsageTotals, usageReport } from "../../tasks/usage.js";
import { errorMessage } from "../../util/errors.js";
import { cliContext, EXIT } from "../context.js";
import { settingOptions, settingOverrides } from "../settings-flags.js";
import { type Paint, table } from "../style.js";
import { shortCount } from "../watch/frame.js";

const HELP = `codexmcp usage [--since WHEN | --days N] [--repo DIR] [--limit N] [--json]

tokens and cost of the tasks that ended: per day, per repository and per task.

  --since WHEN                    only runs that ended since WHEN: a date (2025-01-31, local
                                  midnight), a time (ISO 8601), or a duration back from now (7d, 12h)
  --days N                        only today and the N-1 days before it (local days)
  --repo DIR                      only tasks of the repository DIR is in (.: the current one)
  --limit N                       tasks listed (default 20, newest first; 0: all)
  --json                          everything as JSON: runs, tasks, repos, days, total

Cost is what the agent reported (Claude Code, opencode) where it did; otherwise an estimate from
the model's list price (a built-in table, config.yaml usage.prices adds or overrides models),
marked ~; a run whose model has no price counts its tokens and shows ? for the cost.
Only meta.json and result.json are read: tasks still running, and tasks past the retention
period, do not count.
settings flags (--home, …: see codexmcp --help) apply as for every command.
`;

class UsageArgsError extends Error {}

/** When --since/--days start, or undefined for everything. */
export function sinceOf(
  since: string | undefined,
  days: string | undefined,
  now = new Date(),
): Date | undefined {
  if (since !== undefined && days !== undefined) throw new UsageArgsError("give --since or --days, not both");
  if (days !== undefined) {
    const n = Number(days);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageArgsError(`--days takes a whole number >= 1 (got ${days})`);
    return new Date(now.getFullYear(), now.getMonth(), now.getDate() - (n - 1));
  }
  if (since === undefined) return undefined;
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(since);
  if (date) return new Date(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
  const seconds = /^\d+(\.\d+)?[smhdw]$/i.test(since.trim()) ? parseDurationSeconds(since) : undefined;
  if (seconds !== undefined) return new Date(now.getTime() - seconds * 1000);
  const at = Date.parse(since);
  if (Number.isFinite(at) && /^\d{4}-\d{2}-\d{2}T/.test(since)) return new Date(at);
  throw new UsageArgsError(
    `--since takes a date (2025-01-31), an ISO time (2025-01-31T09:00:00Z) or a duration back from now (7d, 12h); got ${since}`,
  );
}

/** "$1.23"; below a cent, four decimals ("$0.0016"). */
export function dollars(usd: number): string {
  return `$${usd > 0 && usd < 0.01 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

/** "$1.23", "~$0.42" when any of it is estimated, "+?" when some runs have no price. */
export function costCell(t: UsageTotals): string {
  const priced = t.runs - t.unpriced_runs;
  if (priced === 0) return t.runs > 0 ? "?" : "";
  return `${t.estimated_usd > 0 ? "~" : ""}${dollars(t.cost_usd)}${t.unpriced_runs > 0 ? " +?" : ""}`;
}

const TOKEN_HEAD = ["RUNS", "INPUT", "CACHED", "OUTPUT", "TOTAL", "COST"];
const tokenCells = (t: UsageTotals) => [
  String(t.runs),
  shortCount(t.input_tokens),
  shortCount(t.cached_input_tokens),
  shortCount(t.output_tokens),
  shortCount(t.total_tokens),
  costCell(t),
];

export function renderUsage(report: UsageReport, p: Paint, opts: { width: number; limit: number }): string {
  const home = process.env.HOME;
  const short = (dir: string) =>
    home && dir.startsWith(`${home}${path.sep}`) ? `~${dir.slice(home.length)}` : dir;
  const out: string[] = [];
  const scope = [
    report.since ? `since ${report.since}` : "all tasks in the store",
    report.repo ? `in ${short(report.repo)}` : "",
  ].filter(Boolean);
  out.push(`${p.bold("codexmcp usage")}  ${scope.join(" ")}  ${p.dim(`(days in ${report.time_zone})`)}`);
  if (report.runs.length === 0) {
    out.push("", "no task ended in that time.");
    return `${out.join("\n")}\n`;
  }
  out.push("", p.bold("by day"));
  out.push(
    table(
      ["DAY", "TASKS", ...TOKEN_HEAD],
      report.days.map((d) => [d.day, String(d.tasks), ...tokenCells(d)]),
    ),
  );
  out.push("", p.bold("by repository"));
  out.push(
    table(
      ["REPOSITORY", "TASKS", ...TOKEN_HEAD],
      report.repos.map((r) => [short(r.repo), String(r.tasks), ...tokenCells(r)]),
      { maxWidth: opts.width, shrink: [0] },
    ),
  );
  const shown = opts.limit > 0 ? report.tasks.slice(0, opts.limit) : report.tasks;
  out.push("", p.bold("by task"));
  out.push(
    table(
      ["TASK", "AGENT", "MODEL", ...TOKEN_HEAD],
      shown.map((t) => [t.task_id, t.agent, t.model ?? "-", ...tokenCells(t)]),
      { maxWidth: opts.width, shrink: [0, 2] },
    ),
  );
  if (shown.length < report.tasks.length)
    out.push(p.dim(`… ${report.tasks.length - shown.length} more (--limit 0 lists all)`));
  const t = report.total;
  out.push(
    "",
    `${p.bold("total")}  ${t.tasks} task(s), ${t.runs} run(s), ${shortCount(t.total_tokens)} tokens, ${costCell(t)}`,
  );
  const notes: string[] = [];
  if (t.reported_usd > 0) notes.push(`${dollars(t.reported_usd)} reported by the agents`);
  if (t.estimated_usd > 0)
    notes.push(
      `~${dollars(t.estimated_usd)} estimated from list prices (${report.prices_as_of}; config.yaml usage.prices)`,
    );
  if (t.unpriced_runs > 0) notes.push(`? ${t.unpriced_runs} run(s) of a model without a price`);
  if (notes.length > 0) out.push(p.dim(notes.join(" · ")));
  return `${out.join("\n")}\n`;
}

/** `codexmcp usage …`. */
export async function usageCommand(argv: readonly string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let since: Date | undefined;
  let limit = 20;
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: {
        ...settingOptions(),
        since: { type: "string" },
        days: { type: "string" },
        repo: { type: "string" },
        limit: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
      strict: true,
    });
    values = parsed.values;
    if (values.help) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    since = sinceOf(values.since as string | undefined, values.days as string | undefined);
    if (values.limit !== undefined) {
      limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 0)
        throw new UsageArgsError(`--limit takes a whole number >= 0 (got ${String(values.limit)})`);
    }
    if (
      typeof values.repo === "string" &&
      !(await fsp.stat(values.repo).catch(() => undefined))?.isDirectory()
    )
      throw new UsageArgsError(
        `--repo ${values.repo} is not a directory; give a directory inside the repository`,
      );
  } catch (err) {
    process.stderr.write(`codexmcp usage: ${errorMessage(err)}\n(codexmcp usage --help shows its flags)\n`);
    return EXIT.usage;
  }
  const ctx = await cliContext(settingOverrides(values));
  const report = await usageReport(ctx.manager.store, {
    since,
    repo: typeof values.repo === "string" ? path.resolve(values.repo) : undefined,
    prices: ctx.settings.usagePrices,
  });
  if (values.json) ctx.out.write(`${JSON.stringify(report, null, 2)}\n`);
  else ctx.out.write(renderUsage(report, ctx.p, { width: ctx.out.columns ?? 120, limit }));
  return EXIT.ok;
}
