import { appendFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../helpers/sandbox.js";

/** Where scenarios record their counts for the summary printed at the end of the run. */
export const SUMMARY_FILE = path.join(ROOT, ".tmp", "chaos-summary.jsonl");

export interface ScenarioCount {
  readonly scenario: string;
  readonly trials: number;
  readonly passed: number;
  /** Tasks or requests whose outcome went missing, stuck or wrong: any loss fails the run. */
  readonly lost: number;
}

export function recordScenario(count: ScenarioCount): void {
  appendFileSync(SUMMARY_FILE, `${JSON.stringify(count)}\n`);
}
