import { pairedRatio, ratio, type Summary, summarize } from "./stats.js";

export type Unit = "ms" | "s" | "MiB" | "count";

/** One line of a benchmark's table: our samples and, when there is one, a baseline's. */
export interface Row {
  readonly metric: string;
  readonly unit: Unit;
  readonly ours: readonly number[];
  readonly baseline?: { readonly name: string; readonly samples: readonly number[] };
}

export interface RowSummary {
  readonly metric: string;
  readonly unit: Unit;
  readonly ours: Summary;
  readonly baseline?: { readonly name: string; readonly summary: Summary };
  /** ours/baseline of the medians. */
  readonly ratio?: number;
  /** Median of the per-round ratios (rows whose samples are paired by round). */
  readonly paired_ratio?: number;
}

export function summarizeRow(row: Row): RowSummary {
  const ours = summarize(row.ours);
  if (!row.baseline) return { metric: row.metric, unit: row.unit, ours };
  const base = summarize(row.baseline.samples);
  const paired = pairedRatio(row.ours, row.baseline.samples);
  return {
    metric: row.metric,
    unit: row.unit,
    ours,
    baseline: { name: row.baseline.name, summary: base },
    ratio: ratio(ours, base),
    ...(paired !== undefined ? { paired_ratio: paired } : {}),
  };
}

export function fmt(value: number, unit?: Unit): string {
  if (!Number.isFinite(value)) return "–";
  const abs = Math.abs(value);
  const digits = unit === "count" ? 0 : abs < 10 ? 2 : abs < 100 ? 1 : 0;
  return value.toFixed(digits);
}

function range(s: Summary, unit: Unit): string {
  return `${fmt(s.min, unit)}–${fmt(s.max, unit)}`;
}

/** The table as text: median, p90 and min–max for ours and the baseline, the ratio of medians and the paired ratio. */
export function renderTable(rows: readonly RowSummary[]): string {
  const header = [
    "metric",
    "unit",
    "n",
    "median",
    "p90",
    "min–max",
    "baseline",
    "median",
    "p90",
    "min–max",
    "ratio",
    "paired",
  ];
  const lines = rows.map((r) => {
    const b = r.baseline;
    return [
      r.metric,
      r.unit,
      String(r.ours.n),
      fmt(r.ours.median, r.unit),
      fmt(r.ours.p90, r.unit),
      range(r.ours, r.unit),
      b ? b.name : "",
      b ? fmt(b.summary.median, r.unit) : "",
      b ? fmt(b.summary.p90, r.unit) : "",
      b ? range(b.summary, r.unit) : "",
      r.ratio !== undefined && Number.isFinite(r.ratio) ? `×${r.ratio.toFixed(2)}` : "",
      r.paired_ratio !== undefined ? `×${r.paired_ratio.toFixed(2)}` : "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const numeric = new Set([2, 3, 4, 5, 7, 8, 9, 10, 11]);
  const fmtLine = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [fmtLine(header), rule, ...lines.map(fmtLine)].join("\n");
}
