import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { alternate, series, type Variant } from "../lib/alternate.js";
import type { Benchmark } from "../lib/bench.js";
import { run } from "../lib/exec.js";
import { McpClient } from "../lib/mcp.js";
import { CODEX_BIN, ROOT } from "../lib/paths.js";
import { makeRepo } from "../lib/repo.js";
import { baseEnv } from "../lib/sandbox.js";
import type { Row } from "../lib/table.js";

const SCRIPT = "blocking_ls";
const PEER = "codex-mcp-server@1.4.10";
/** Longer than the server's refill delay (1 s after a launch) plus a standby's start. */
const STANDBY_SETTLE_MS = 1500;

/** Installs the peer wrapper into `dir`; its entry point, or why it is unavailable. */
async function installPeer(dir: string): Promise<{ entry: string } | { unavailable: string }> {
  const r = await run("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", PEER], {
    timeoutMs: 240_000,
  }).catch((err: unknown) => ({ code: -1, stdout: "", stderr: String(err) }));
  if (r.code !== 0) {
    const why = r.stderr.trim().split("\n").slice(-3).join(" ") || `exit ${r.code}`;
    return { unavailable: `npm install ${PEER} failed: ${why}` };
  }
  return { entry: path.join(dir, "node_modules/codex-mcp-server/dist/index.js") };
}

export const blocking: Benchmark = {
  name: "blocking",
  title:
    "codex (read-only) end to end vs codex exec --json directly vs codex-mcp-server (peer), same scripted model",
  async run(ctx) {
    // Codex's own run varies by ±50 ms here: 30 rounds keep the medians' noise under the goal's margin.
    const n = ctx.quick ? 3 : 30;
    const warmup = 1;
    const { sandbox } = ctx;
    sandbox.model.script(SCRIPT, [{ sh: "ls" }, { say: "done" }]);
    const prompt = `List the files, then say done. [[script:${SCRIPT}]]`;
    const project = await makeRepo(sandbox.path("project"), 2, 10);

    const server = await McpClient.codexmcp(sandbox.serverEnv(sandbox.path("state")));
    sandbox.defer(() => server.close());

    const variants: Variant[] = [
      {
        name: "codexmcp",
        run: async (i) => {
          const wall0 = Date.now();
          const t0 = performance.now();
          const r = await server.ok("codex", {
            prompt,
            cwd: project,
            topic: `review-b${i}-v1`,
            sandbox: "read-only",
          });
          const ms = performance.now() - t0;
          const wall1 = Date.now();
          // Untimed: the server starts its next standby runner a second after each launch;
          // it must not land on the next sample (ours or a baseline's).
          await sleep(STANDBY_SETTLE_MS);
          if (r.status !== "completed" || r.result !== "done")
            throw new Error(`codex ended ${String(r.status)}: ${String(r.error ?? r.result)}`);
          // The task's own timestamps (ms resolution) split the call into its phases.
          const created = Date.parse(String(r.created_at));
          const started = Date.parse(String(r.started_at));
          const finished = Date.parse(String(r.finished_at));
          return {
            value: ms,
            dispatch: created - wall0,
            runner_start: started - created,
            codex_and_wrapup: finished - started,
            result_to_reply: wall1 - finished,
          };
        },
      },
      {
        // The runner's entry with no task: node starts, loads its static imports, prints usage, exits.
        name: "runner entry",
        run: async () => {
          const t0 = performance.now();
          const r = await run(process.execPath, [path.join(ROOT, "dist/runner/main.js")]);
          const ms = performance.now() - t0;
          if (r.code !== 2)
            throw new Error(`runner/main.js without a task exited ${r.code}, expected 2 (usage)`);
          return ms;
        },
      },
      {
        name: "node -e 0",
        run: async () => {
          const t0 = performance.now();
          await run(process.execPath, ["-e", "0"]);
          return performance.now() - t0;
        },
      },
      {
        name: "raw",
        run: async () => {
          const t0 = performance.now();
          const r = await run(
            CODEX_BIN,
            ["exec", "--json", "--skip-git-repo-check", "-C", project, "-s", "read-only", "-"],
            {
              input: prompt,
              env: { ...baseEnv(), HOME: sandbox.userHome, CODEX_HOME: sandbox.codexHome },
              timeoutMs: 120_000,
            },
          );
          const ms = performance.now() - t0;
          if (r.code !== 0 || !r.stdout.includes('"type":"agent_message","text":"done"'))
            throw new Error(`codex exec failed (${r.code}): ${r.stderr.slice(-400)}`);
          return ms;
        },
      },
    ];

    const peerInstallStart = performance.now();
    const peer = await installPeer(sandbox.path("peer"));
    const peerInstallSeconds = (performance.now() - peerInstallStart) / 1000;
    let peerNote: string;
    if ("entry" in peer) {
      const env = {
        ...baseEnv(),
        // The peer finds `codex` on PATH: the same pinned binary codexmcp runs.
        PATH: `${path.dirname(CODEX_BIN)}${path.delimiter}${process.env.PATH ?? ""}`,
        HOME: sandbox.userHome,
        CODEX_HOME: sandbox.codexHome,
      };
      const client = McpClient.create(process.execPath, [peer.entry], env);
      await client.connect();
      sandbox.defer(() => client.close());
      peerNote = `peer: ${PEER}, installed in ${peerInstallSeconds.toFixed(1)} s, driven over stdio with {prompt, workingDirectory, sandbox: "read-only"}.`;
      variants.push({
        name: "peer",
        run: async () => {
          const t0 = performance.now();
          const r = await client.call("codex", { prompt, workingDirectory: project, sandbox: "read-only" });
          const ms = performance.now() - t0;
          if (r.isError || !r.text.includes("done"))
            throw new Error(`peer codex failed: ${r.text.slice(0, 400)}`);
          return ms;
        },
      });
    } else {
      peerNote = `peer unavailable: ${peer.unavailable}`;
      ctx.log(peerNote);
    }

    const samples = await alternate({ n, warmup, label: "blocking", variants });
    const ours = series(samples, "codexmcp");
    const raw = series(samples, "raw");
    const peerSamples = series(samples, "peer");
    const rows: Row[] = [
      {
        metric: "codex read-only, end to end",
        unit: "ms",
        ours,
        baseline: { name: "codex exec --json", samples: raw },
      },
    ];
    const phase = (metric: string, key: string) =>
      rows.push({
        metric: `  codexmcp phase: ${metric}`,
        unit: "ms",
        ours: series(samples, "codexmcp", key),
      });
    phase("call → meta.json created_at (dispatch)", "dispatch");
    phase("created_at → runner started_at", "runner_start");
    phase("started_at → result finished_at (codex + wrap-up)", "codex_and_wrapup");
    phase("finished_at → reply received", "result_to_reply");
    rows.push({
      metric: "  runner entry start → exit (no task)",
      unit: "ms",
      ours: series(samples, "runner entry"),
      baseline: { name: "node -e 0", samples: series(samples, "node -e 0") },
    });
    if (peerSamples.length > 0) {
      rows.push(
        {
          metric: "peer codex-mcp-server, end to end",
          unit: "ms",
          ours: peerSamples,
          baseline: { name: "codex exec --json", samples: raw },
        },
        {
          metric: "codex read-only, end to end",
          unit: "ms",
          ours,
          baseline: { name: "peer", samples: peerSamples },
        },
      );
    }
    return {
      parameters: { repetitions: n, warmup, script: "one sh step (ls), then say done", peer: PEER },
      samples,
      rows,
      extra: { peer: "entry" in peer ? { installed: true, install_seconds: peerInstallSeconds } : peer },
      notes: [
        "Each codexmcp call is a new topic (review-b<i>-v1) in the same project directory; raw is codex exec with the prompt on stdin and the same CODEX_HOME and HOME.",
        `After each codexmcp call the benchmark waits ${STANDBY_SETTLE_MS / 1000} s untimed: the server starts its next standby runner 1 s after a launch, and that start must land on no sample.`,
        "Phases come from the task's own timestamps (created_at, started_at, finished_at; ms resolution, wall clock): started_at is set by the runner once it has loaded and recorded itself; finished_at when it builds the result, after codex exited and the task's processes were swept.",
        "runner entry: `node dist/runner/main.js` without a task — node start plus the runner's static imports, then the usage exit — against a bare `node -e 0`.",
        peerNote,
      ],
    };
  },
};
