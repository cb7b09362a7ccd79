/** One contender: `run` does one repetition (its own untimed setup included) and returns timings. */
export interface Variant {
  readonly name: string;
  readonly run: (iteration: number) => Promise<number | Record<string, number>>;
}

export type Samples = Record<string, Record<string, number[]>>;

/**
 * Runs the variants in turn — A, B, A, B, … — after `warmup` untimed rounds, so machine noise
 * (here: another test suite on the same two cores) lands on all of them alike. A variant that
 * returns a number records it as "value"; one that returns a record records each key.
 */
export async function alternate(opts: {
  readonly variants: readonly Variant[];
  readonly n: number;
  readonly warmup: number;
  readonly label?: string;
}): Promise<Samples> {
  const samples: Samples = {};
  for (const v of opts.variants) samples[v.name] = {};
  const total = opts.warmup + opts.n;
  for (let i = 0; i < total; i++) {
    const warm = i < opts.warmup;
    for (const v of opts.variants) {
      const out = await v.run(i);
      if (warm) continue;
      const record = typeof out === "number" ? { value: out } : out;
      const into = samples[v.name] ?? {};
      for (const [k, value] of Object.entries(record)) {
        const series = into[k] ?? [];
        series.push(value);
        into[k] = series;
      }
      samples[v.name] = into;
    }
    if (opts.label && process.stdout.isTTY)
      process.stdout.write(`\r  ${opts.label}: ${warm ? "warm-up" : "round"} ${i + 1}/${total}   `);
  }
  if (opts.label && process.stdout.isTTY) process.stdout.write("\r\x1b[K");
  return samples;
}

/** The series `key` of variant `name` (empty if absent). */
export function series(samples: Samples, name: string, key = "value"): number[] {
  return samples[name]?.[key] ?? [];
}
