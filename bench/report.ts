import { promises as fsp } from "node:fs";
import path from "node:path";
import { checkGoals, goalsMarkdown } from "./lib/goals.js";
import { RESULTS_DIR } from "./lib/paths.js";
import type { BenchResultFile } from "./lib/results.js";
import { fmt, type RowSummary } from "./lib/table.js";

/** One summary row as a Markdown table row. */
function row(r: RowSummary): string {
  const o = r.ours;
  const b = r.baseline;
  const cells = [
    r.metric.trim(),
    r.unit,
    String(o.n),
    fmt(o.median, r.unit),
    fmt(o.p90, r.unit),
    `${fmt(o.min, r.unit)}–${fmt(o.max, r.unit)}`,
    b ? b.name : "",
    b ? fmt(b.summary.median, r.unit) : "",
    b ? fmt(b.summary.p90, r.unit) : "",
    b ? `${fmt(b.summary.min, r.unit)}–${fmt(b.summary.max, r.unit)}` : "",
    r.ratio !== undefined && Number.isFinite(r.ratio) ? `×${r.ratio.toFixed(2)}` : "",
    r.paired_ratio !== undefined ? `×${r.paired_ratio.toFixed(2)}` : "",
  ];
  return `| ${cells.join(" | ")} |`;
}

/** Prints bench/results/*.json (or the named ones) as Markdown tables, for docs/performance.md. */
async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const files = (await fsp.readdir(RESULTS_DIR)).filter((f) => f.endsWith(".json")).sort();
  for (const f of files) {
    const r = JSON.parse(await fsp.readFile(path.join(RESULTS_DIR, f), "utf8")) as BenchResultFile;
    if (wanted.length > 0 && !wanted.includes(r.name)) continue;
    const m = r.machine;
    console.log(`### ${r.name}\n`);
    console.log(
      `${r.title}. ${m.date}, ${m.cpu_model} × ${m.cores}, ${m.ram_gib} GiB, node ${m.node}, load ${m.load_average.join(" ")}${r.quick ? ", quick" : ""}; took ${r.duration_seconds.toFixed(0)} s.\n`,
    );
    console.log(
      "| metric | unit | n | median | p90 | min–max | baseline | median | p90 | min–max | ratio | paired |",
    );
    console.log("|---|---|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|");
    for (const s of r.summary) console.log(row(s));
    console.log("");
    for (const note of r.notes) console.log(`- ${note}`);
    console.log("");
  }
  if (wanted.length === 0)
    console.log(`### goals (issue 15; #14: remote hosts)\n\n${goalsMarkdown(await checkGoals())}\n`);
}

void main();
