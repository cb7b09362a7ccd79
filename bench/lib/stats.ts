/** Summary statistics of one series of samples. */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p90: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/** The q-quantile (0..1) of sorted values, linearly interpolated between the closest ranks. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  return {
    n,
    median: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    min: sorted[0] ?? Number.NaN,
    max: sorted[n - 1] ?? Number.NaN,
    mean: n === 0 ? Number.NaN : sorted.reduce((s, v) => s + v, 0) / n,
  };
}

/** ours/baseline of the medians. */
export function ratio(ours: Summary, baseline: Summary): number {
  return baseline.median === 0 ? Number.NaN : ours.median / baseline.median;
}

/**
 * The median of ours[i]/baseline[i] over rounds: samples taken side by side in one round share
 * the machine's state of the moment, so on a noisy machine this is steadier than the ratio of
 * medians. Undefined unless both series have one sample per round.
 */
export function pairedRatio(ours: readonly number[], baseline: readonly number[]): number | undefined {
  if (ours.length === 0 || ours.length !== baseline.length) return undefined;
  const ratios = ours.map((o, i) => o / (baseline[i] ?? Number.NaN)).filter((r) => Number.isFinite(r));
  return ratios.length === 0
    ? undefined
    : quantile(
        [...ratios].sort((a, b) => a - b),
        0.5,
      );
}
