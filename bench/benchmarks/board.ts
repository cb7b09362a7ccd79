import { spawn } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { alternate, type Samples, series } from "../lib/alternate.js";
import type { Benchmark } from "../lib/bench.js";
import { writeEvents, writeTranscript } from "../lib/biglog.js";
import { SERVER_BIN } from "../lib/paths.js";
import { completedResult, createRunningTask, openStore } from "../lib/synthetic.js";
import type { Row } from "../lib/table.js";

const GiB = 1024 ** 3;

interface Board {
  readonly origin: string;
  readonly token: string;
  stop(): void;
}

/** `codexmcp ui --port 0` on a state home; its origin and the bearer token (the API takes it too). */
async function startBoard(env: Record<string, string>, home: string): Promise<Board> {
  const proc = spawn(process.execPath, [SERVER_BIN, "ui", "--port", "0"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const first = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0] ?? "");
    });
    proc.once("exit", (code) => reject(new Error(`codexmcp ui exited (${code})`)));
  });
  const token = (await readFile(path.join(home, "http-token"), "utf8")).trim();
  return { origin: new URL(first).origin, token, stop: () => proc.kill("SIGTERM") };
}

/** One GET of the board's API, timed to its last byte; its body checked to be JSON. */
function timedGet(board: Board, p: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const u = new URL(p, board.origin);
    http
      .get(
        {
          host: u.hostname,
          port: u.port,
          path: `${u.pathname}${u.search}`,
          headers: { authorization: `Bearer ${board.token}` },
        },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => {
            body += c.toString();
          });
          res.on("end", () => {
            if (res.statusCode !== 200)
              return reject(new Error(`${p}: ${res.statusCode} ${body.slice(0, 200)}`));
            JSON.parse(body);
            resolve(performance.now() - t0);
          });
        },
      )
      .on("error", reject);
  });
}

async function makeStore(home: string, cwds: readonly string[], tasks: number, eventBytes: number) {
  const store = openStore(home);
  await store.ensureHome();
  for (let i = 0; i < tasks; i++) {
    const id = `codex-review-board${String(i).padStart(4, "0")}-v1`;
    const meta = await createRunningTask(store, id, cwds[i % cwds.length] ?? "/");
    await writeEvents(store.layout.file(id, "events"), 2048);
    await store.finalize(completedResult(meta, `task ${i} done`));
  }
  const big = "codex-review-boardbig-v1";
  const meta = await createRunningTask(store, big, cwds[0] ?? "/");
  const events = await writeEvents(store.layout.file(big, "events"), eventBytes);
  await writeTranscript(store.layout.file(big, "log"), eventBytes);
  await store.finalize(completedResult(meta, "big done"));
  return { big, events };
}

export const board: Benchmark = {
  name: "board",
  title: "web board: the board's first page with 1,000 tasks, and a task page on a 1 GiB events file",
  async run(ctx) {
    const n = ctx.quick ? 4 : 12;
    const warmup = 1;
    const { sandbox } = ctx;
    const cwds = await Promise.all(
      ["alpha", "beta", "gamma", "delta"].map(async (name) => {
        const dir = sandbox.path("repos", name);
        await mkdir(dir, { recursive: true });
        return dir;
      }),
    );
    const genStart = performance.now();
    const largeHome = sandbox.path("state-1000");
    const large = await makeStore(largeHome, cwds, 1000, GiB);
    const smallHome = sandbox.path("state-10");
    const small = await makeStore(smallHome, cwds, 10, 1024);
    ctx.log(
      `wrote 1,010 tasks and a 1 GiB events file + 1 GiB transcript in ${((performance.now() - genStart) / 1000).toFixed(1)} s`,
    );
    const big = await startBoard(sandbox.serverEnv(largeHome), largeHome);
    sandbox.defer(async () => big.stop());
    const few = await startBoard(sandbox.serverEnv(smallHome), smallHome);
    sandbox.defer(async () => few.stop());

    const visit = async (b: Board, task: string) => ({
      // The board is built once a second at most; a fresh build is what a new browser meets.
      board_first_page: await timedGet(b, "/api/board?limit=100"),
      board_filtered: await timedGet(
        b,
        `/api/board?limit=100&repo=${encodeURIComponent(cwds[1] ?? "")}&status=ended`,
      ),
      task: await timedGet(b, `/api/tasks/${task}`),
      transcript_tail: await timedGet(b, `/api/tasks/${task}/transcript`),
      events_tail: await timedGet(
        b,
        `/api/tasks/${task}/events?view=normalized&cursor=tail&limit=200&max_bytes=262144`,
      ),
    });
    const pause = () => new Promise((r) => setTimeout(r, 1100));
    const samples: Samples = await alternate({
      n,
      warmup,
      label: "board",
      variants: [
        {
          name: "1000",
          run: async () => {
            await pause();
            return visit(big, large.big);
          },
        },
        {
          name: "10",
          run: async () => {
            await pause();
            return visit(few, small.big);
          },
        },
      ],
    });
    const rows: Row[] = [];
    const pair = (metric: string, key: string, baseline: string) =>
      rows.push({
        metric,
        unit: "ms",
        ours: series(samples, "1000", key),
        baseline: { name: baseline, samples: series(samples, "10", key) },
      });
    pair("GET /api/board, first 100 of 1,001 tasks", "board_first_page", "same, 11 tasks");
    pair("GET /api/board, one repository, ended", "board_filtered", "same, 11 tasks");
    pair("GET /api/tasks/<id> (1 GiB events)", "task", "same, 1 KiB events");
    pair("GET …/transcript (last 256 KiB of 1 GiB)", "transcript_tail", "same, 1 KiB transcript");
    pair("GET …/events tail, normalized (1 GiB)", "events_tail", "same, 1 KiB events");
    return {
      parameters: { repetitions: n, warmup, tasks: 1001, big_events_bytes: large.events.bytes },
      samples,
      rows,
      notes: [
        "Each round waits 1.1 s first, so the board's one-second row cache has expired: every board figure includes observing every task.",
        "The files were just written, so they are in the page cache: warm-cache figures.",
      ],
    };
  },
};
