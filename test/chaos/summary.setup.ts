import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { type ScenarioCount, SUMMARY_FILE } from "./summary.js";

export default function setup(): () => void {
  mkdirSync(path.dirname(SUMMARY_FILE), { recursive: true });
  rmSync(SUMMARY_FILE, { force: true });
  return () => {
    let rows: ScenarioCount[] = [];
    try {
      rows = readFileSync(SUMMARY_FILE, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ScenarioCount);
    } catch {
      // no scenario recorded anything
    }
    const width = Math.max(8, ...rows.map((r) => r.scenario.length));
    const line = (a: string, b: string, c: string, d: string) =>
      `${a.padEnd(width)}  ${b.padStart(6)}  ${c.padStart(6)}  ${d.padStart(4)}`;
    const out = [
      line("scenario", "trials", "passed", "lost"),
      line("-".repeat(width), "------", "------", "----"),
    ];
    for (const r of rows) out.push(line(r.scenario, String(r.trials), String(r.passed), String(r.lost)));
    const lost = rows.reduce((n, r) => n + r.lost, 0);
    out.push(
      "",
      lost === 0
        ? `chaos summary: ${rows.length} scenarios, nothing lost`
        : `chaos summary: ${lost} LOST — see the failing scenarios above`,
    );
    process.stdout.write(`\n${out.join("\n")}\n`);
  };
}
