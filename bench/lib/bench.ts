import type { Samples } from "./alternate.js";
import type { BenchSandbox } from "./sandbox.js";
import type { Row } from "./table.js";

export interface BenchContext {
  /** Fewer repetitions: a smoke run. */
  readonly quick: boolean;
  readonly sandbox: BenchSandbox;
  log(message: string): void;
}

export interface BenchOutput {
  readonly rows: readonly Row[];
  readonly samples: Samples;
  readonly parameters: Record<string, unknown>;
  /** Figures that are not a series of samples (peak memory, counts, context). */
  readonly extra?: Record<string, unknown>;
  /** Lines printed under the table and stored in the JSON. */
  readonly notes?: readonly string[];
}

export interface Benchmark {
  readonly name: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<BenchOutput>;
}
