import { promises as fsp } from "node:fs";
import path from "node:path";
import { RESULTS_DIR } from "./paths.js";
import type { BenchResultFile } from "./results.js";
import { fmt, type RowSummary } from "./table.js";

/**
 * The goals of issue 15 (and issue 14's remote status), each read off one row of a benchmark's results: a paired ratio, a
 * median, a difference of medians, or a share of runs. `previous` is the figure the issue
 * started from (the full run docs/performance.md reported before).
 */
interface Goal {
  readonly measure: string;
  readonly bench: string;
  /** The row's metric starts with this (trimmed). */
  readonly row: string;
  readonly kind: "paired" | "median" | "over" | "zero-share";
  /** At most (ratio, ms) or, for zero-share, at least (fraction). */
  readonly goal: number;
  readonly previous: string;
}

export const GOALS: readonly Goal[] = [
  {
    measure: "spawn → initialize answered, vs a minimal SDK server",
    bench: "cold-start",
    row: "initialize (spawn → answered)",
    kind: "paired",
    goal: 1.1,
    previous: "×1.38 (496 vs 358 ms)",
  },
  {
    measure: "spawn → first tools/list answered, vs the same",
    bench: "cold-start",
    row: "total",
    kind: "paired",
    goal: 1.15,
    previous: "×1.60 (587 vs 367 ms)",
  },
  {
    measure: "warm tools/list (the server's answer)",
    bench: "cold-start",
    row: "tools/list, warm, server's answer",
    kind: "median",
    goal: 2,
    previous: "60 ms",
  },
  {
    measure: "codex_dispatch full-access, 20,001 files, vs worktree add + tmux",
    bench: "dispatch",
    row: "codex_dispatch, 20001 files",
    kind: "paired",
    goal: 1.1,
    previous: "×1.45",
  },
  {
    measure: "codex_dispatch full-access, 2 files, vs the same",
    bench: "dispatch",
    row: "codex_dispatch, 2 files",
    kind: "over",
    goal: 40,
    previous: "+160 ms (×6.3)",
  },
  {
    measure: "blocking codex read-only end to end, vs codex exec --json",
    bench: "blocking",
    row: "codex read-only, end to end",
    kind: "over",
    goal: 60,
    previous: "+231 ms (×1.36)",
  },
  {
    measure: "blocking codex, vs the peer codex-mcp-server",
    bench: "blocking",
    row: "codex read-only, end to end|peer",
    kind: "paired",
    goal: 1.05,
    previous: "×1.40",
  },
  {
    measure: "runner: task created → runner started",
    bench: "blocking",
    row: "codexmcp phase: created_at → runner started_at",
    kind: "median",
    goal: 60,
    previous: "176 ms",
  },
  {
    measure: "32 dispatches at once, vs 32 sequential git worktree add",
    bench: "fanout",
    row: "32 dispatches at once, until all returned",
    kind: "paired",
    goal: 1.25,
    previous: "×1.88",
  },
  {
    // Not the issue's goal: what bounds the row above (a floor is a finding, not a failure).
    measure: "  bound: the same vs the cores' floor (all machine CPU in the window ÷ cores)",
    bench: "fanout",
    row: "32 at once, vs the cores' floor (machine CPU ÷ cores)",
    kind: "paired",
    goal: 1.1,
    previous: "not measured",
  },
  {
    measure: "  the same, 2 tasks run and 30 queue (no 32 agents starting meanwhile)",
    bench: "fanout",
    row: "32 dispatches at once, 2 run and 30 queue",
    kind: "paired",
    goal: 1.25,
    previous: "not measured",
  },
  {
    measure: "Codex as orchestrator: our tools in its first model request",
    bench: "tools-seen",
    row: "requests without the server's tools",
    kind: "zero-share",
    goal: 0.95,
    previous: "missing from the first 1–4 requests",
  },
  {
    measure: "#14 codex_status of a running task on an ssh host (warm server), vs here",
    bench: "remote",
    row: "codex_status of a running task, warm server",
    kind: "paired",
    goal: 1.5,
    previous: "3.31 s vs 72 ms (one-off, before the mirror answered)",
  },
];

export interface GoalCheck {
  readonly measure: string;
  readonly now: string;
  readonly goal: string;
  readonly previous: string;
  /** undefined: not measured (its benchmark has no results). */
  readonly pass: boolean | undefined;
  readonly source: string;
}

/** A goal's row: "metric" or "metric|baseline name" when the metric repeats with another baseline. */
function findRow(result: BenchResultFile, spec: string): RowSummary | undefined {
  const [metric, baseline] = spec.split("|");
  return result.summary.find(
    (r) => r.metric.trim() === metric && (baseline === undefined || r.baseline?.name === baseline),
  );
}

function check(goal: Goal, result: BenchResultFile | undefined): GoalCheck {
  const base = { measure: goal.measure, previous: goal.previous };
  const source = result ? `${result.name}${result.quick ? " (quick)" : ""}, ${result.machine.date}` : "";
  const goalText =
    goal.kind === "paired"
      ? `≤ ×${goal.goal.toFixed(2)}`
      : goal.kind === "over"
        ? `≤ +${goal.goal} ms`
        : goal.kind === "median"
          ? `≤ ${goal.goal} ms`
          : `≥ ${Math.round(goal.goal * 100)} % of runs`;
  const row = result && findRow(result, goal.row);
  if (!row) return { ...base, now: "not measured", goal: goalText, pass: undefined, source };
  const o = row.ours;
  const b = row.baseline?.summary;
  switch (goal.kind) {
    case "paired": {
      const r = row.paired_ratio ?? row.ratio ?? Number.NaN;
      const ms = b ? ` (${fmt(o.median, row.unit)} vs ${fmt(b.median, row.unit)} ${row.unit})` : "";
      return { ...base, now: `×${r.toFixed(2)}${ms}`, goal: goalText, pass: r <= goal.goal, source };
    }
    case "median":
      return {
        ...base,
        now: `${fmt(o.median, row.unit)} ${row.unit}`,
        goal: goalText,
        pass: o.median <= goal.goal,
        source,
      };
    case "over": {
      const over = b ? o.median - b.median : Number.NaN;
      const r = row.paired_ratio ?? row.ratio ?? Number.NaN;
      return {
        ...base,
        now: `+${fmt(over, row.unit)} ms (×${r.toFixed(2)})`,
        goal: goalText,
        pass: over <= goal.goal,
        source,
      };
    }
    case "zero-share": {
      const runs = result.samples.codexmcp?.requests_without ?? [];
      const share = runs.length === 0 ? Number.NaN : runs.filter((v) => v === 0).length / runs.length;
      return {
        ...base,
        now: `${Math.round(share * 100)} % of ${runs.length} runs (median ${fmt(o.median, "count")} without)`,
        goal: goalText,
        pass: share >= goal.goal,
        source,
      };
    }
  }
}

/** Every goal, checked against bench/results/*.json as they are now. */
export async function checkGoals(): Promise<GoalCheck[]> {
  const results = new Map<string, BenchResultFile>();
  for (const f of await fsp.readdir(RESULTS_DIR).catch(() => [] as string[])) {
    if (!f.endsWith(".json")) continue;
    const r = JSON.parse(await fsp.readFile(path.join(RESULTS_DIR, f), "utf8")) as BenchResultFile;
    results.set(r.name, r);
  }
  return GOALS.map((g) => check(g, results.get(g.bench)));
}

export function mark(pass: boolean | undefined): string {
  return pass === undefined ? "–" : pass ? "pass" : "MISS";
}

/** The goals as a plain-text table (the suite's last word). */
export function renderGoals(checks: readonly GoalCheck[]): string {
  const header = ["goal (issue 15; #14: remote hosts)", "now", "goal", "", "before", "from"];
  const lines = checks.map((c) => [c.measure, c.now, c.goal, mark(c.pass), c.previous, c.source]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const fmtLine = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [fmtLine(header), widths.map((w) => "-".repeat(w)).join("  "), ...lines.map(fmtLine)].join("\n");
}

/** The goals as a Markdown table (docs/performance.md). */
export function goalsMarkdown(checks: readonly GoalCheck[]): string {
  return [
    "| measure | before | now | goal | |",
    "|---|---|---|---|---|",
    ...checks.map((c) => `| ${c.measure} | ${c.previous} | ${c.now} | ${c.goal} | ${mark(c.pass)} |`),
  ].join("\n");
}
