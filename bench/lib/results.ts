import { promises as fsp } from "node:fs";
import path from "node:path";
import type { Samples } from "./alternate.js";
import type { MachineInfo } from "./machine.js";
import { RESULTS_DIR } from "./paths.js";
import type { RowSummary } from "./table.js";

export interface BenchResultFile {
  readonly name: string;
  readonly title: string;
  readonly machine: MachineInfo;
  readonly quick: boolean;
  readonly duration_seconds: number;
  readonly parameters: Record<string, unknown>;
  readonly samples: Samples;
  readonly summary: readonly RowSummary[];
  readonly extra: Record<string, unknown>;
  readonly notes: readonly string[];
}

export async function writeResult(result: BenchResultFile): Promise<string> {
  await fsp.mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${result.name}.json`);
  await fsp.writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
