import { existsSync } from "node:fs";
import { biglogs } from "./benchmarks/biglogs.js";
import { blocking } from "./benchmarks/blocking.js";
import { board } from "./benchmarks/board.js";
import { coldStart } from "./benchmarks/cold-start.js";
import { dispatch } from "./benchmarks/dispatch.js";
import { fanout } from "./benchmarks/fanout.js";
import { firstEventBench } from "./benchmarks/first-event.js";
import { remote } from "./benchmarks/remote.js";
import { toolsSeen } from "./benchmarks/tools-seen.js";
import { wakeup } from "./benchmarks/wakeup.js";
import type { Benchmark } from "./lib/bench.js";
import { checkGoals, renderGoals } from "./lib/goals.js";
import { machineInfo } from "./lib/machine.js";
import { SERVER_BIN } from "./lib/paths.js";
import { writeResult } from "./lib/results.js";
import { BenchSandbox, disposeAll, TMUX_SOCKET } from "./lib/sandbox.js";
import { renderTable, summarizeRow } from "./lib/table.js";

const ALL: readonly Benchmark[] = [
  coldStart,
  toolsSeen,
  dispatch,
  firstEventBench,
  blocking,
  wakeup,
  biglogs,
  fanout,
  remote,
  board,
];

const USAGE = `usage: node .bench-dist/run.js [--quick] [name...]
benchmarks: ${ALL.map((b) => b.name).join(", ")}`;

function parseArgs(argv: readonly string[]): { quick: boolean; selected: Benchmark[] } {
  const quick = argv.includes("--quick");
  const names = argv.filter((a) => !a.startsWith("--"));
  const unknown = argv.filter((a) => a.startsWith("--") && a !== "--quick");
  if (unknown.length > 0 || argv.includes("--help")) {
    console.error(USAGE);
    process.exit(2);
  }
  const selected = names.length === 0 ? [...ALL] : [];
  for (const name of names) {
    const b = ALL.find((x) => x.name === name);
    if (!b) {
      console.error(`unknown benchmark "${name}"\n${USAGE}`);
      process.exit(2);
    }
    selected.push(b);
  }
  return { quick, selected };
}

async function main(): Promise<number> {
  const { quick, selected } = parseArgs(process.argv.slice(2));
  if (!existsSync(SERVER_BIN)) {
    console.error(`${SERVER_BIN} is missing: run npm run build first.`);
    return 1;
  }
  const machine = await machineInfo();
  console.log(
    `codexmcp benchmarks${quick ? " (quick)" : ""} — ${machine.cpu_model}, ${machine.cores} cores, ${machine.ram_gib} GiB RAM, node ${machine.node}, ${machine.git}, ${machine.tmux}, ${machine.codex}, commit ${machine.commit}, load ${machine.load_average.join(" ")}`,
  );
  console.log(`tmux socket: ${TMUX_SOCKET}`);
  const suiteStart = performance.now();
  const failed: string[] = [];
  for (const bench of selected) {
    console.log(`\n## ${bench.name}: ${bench.title}`);
    const started = performance.now();
    const sandbox = await BenchSandbox.create(bench.name);
    try {
      const out = await bench.run({ quick, sandbox, log: (m) => console.log(`  ${m}`) });
      const seconds = (performance.now() - started) / 1000;
      const summary = out.rows.map(summarizeRow);
      console.log(renderTable(summary));
      for (const note of out.notes ?? []) console.log(`  · ${note}`);
      const file = await writeResult({
        name: bench.name,
        title: bench.title,
        machine: await machineInfo(),
        quick,
        duration_seconds: seconds,
        parameters: out.parameters,
        samples: out.samples,
        summary,
        extra: out.extra ?? {},
        notes: out.notes ?? [],
      });
      console.log(`  ${bench.name} took ${seconds.toFixed(1)} s → ${file}`);
    } catch (err) {
      failed.push(bench.name);
      console.error(
        `  ${bench.name} FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    } finally {
      await sandbox.dispose();
    }
  }
  console.log(
    `\n## goals (issue 15; #14: remote hosts) (from bench/results/*.json: this run's benchmarks and earlier ones)\n`,
  );
  console.log(renderGoals(await checkGoals()));
  const total = (performance.now() - suiteStart) / 1000;
  console.log(
    `\nsuite took ${total.toFixed(1)} s${failed.length > 0 ? `; FAILED: ${failed.join(", ")}` : "; all benchmarks ran"}`,
  );
  return failed.length > 0 ? 1 : 0;
}

let stopping = false;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${sig}: cleaning up…`);
    void disposeAll().finally(() => process.exit(130));
  });
}

main().then(
  async (code) => {
    await disposeAll();
    process.exit(code);
  },
  async (err: unknown) => {
    console.error(err);
    await disposeAll();
    process.exit(1);
  },
);
