import { promises as fsp } from "node:fs";

/** A small deterministic PRNG (mulberry32), so every run writes the same files. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  "the a test file module function returns value error check should update config build run output line src lib index handler request response cache token parse render state store task worker queue retry timeout path branch commit diff patch merge review plan step next then because".split(
    " ",
  );
const COMMANDS = [
  "/bin/bash -lc 'rg -n \"TODO\" src'",
  "/bin/bash -lc 'npm test -- --run'",
  "/bin/bash -lc 'git status --short'",
  "/bin/bash -lc 'sed -n 1,200p src/index.ts'",
  "/bin/bash -lc 'ls -la src/lib'",
  "/bin/bash -lc 'cat package.json'",
  "/bin/bash -lc 'npx tsc --noEmit'",
  "/bin/bash -lc 'git diff --stat'",
];

function text(rand: () => number, bytes: number, lineBreaks: boolean): string {
  const parts: string[] = [];
  let len = 0;
  while (len < bytes) {
    const w = WORDS[Math.floor(rand() * WORDS.length)] ?? "x";
    const sep = lineBreaks && rand() < 0.08 ? "\n" : " ";
    parts.push(w, sep);
    len += w.length + 1;
  }
  return parts.join("").slice(0, bytes);
}

/** The entry whose cumulative weight first exceeds `r` (0..1). */
function pick<T extends { readonly weight: number }>(entries: readonly T[], r: number): T | undefined {
  let left = r;
  for (const e of entries) {
    left -= e.weight;
    if (left < 0) return e;
  }
  return entries[0];
}

/** A line template split where the item number goes. */
type Template = readonly [string, string];

function template(event: Record<string, unknown>): Template {
  const json = JSON.stringify(event);
  const at = json.indexOf("@ID@");
  return [json.slice(0, at), json.slice(at + 4)];
}

export interface EventMix {
  readonly lines: number;
  readonly bytes: number;
  readonly counts: Record<string, number>;
}

/**
 * Realistic `codex exec --json` output of about `bytes`: thread.started and turn.started, then
 * item events of 200–3000 bytes — command_execution (started / completed with output, 55 %),
 * reasoning (30 %), agent_message (10 %), todo_list (5 %) — and turn.completed at the end.
 * Written in ~8 MiB chunks.
 */
export async function writeEvents(file: string, bytes: number, seed = 1): Promise<EventMix> {
  const rand = prng(seed);
  const size = () => 200 + Math.floor(rand() * 2800);
  const pool = (n: number, make: () => Template) => Array.from({ length: n }, make);
  const cmd = () => COMMANDS[Math.floor(rand() * COMMANDS.length)] ?? "ls";
  const kinds: { name: string; weight: number; pool: Template[] }[] = [
    {
      name: "command_execution",
      weight: 0.45,
      pool: pool(128, () =>
        template({
          type: "item.completed",
          item: {
            id: "item_@ID@",
            type: "command_execution",
            command: cmd(),
            aggregated_output: text(rand, size(), true),
            exit_code: 0,
            status: "completed",
          },
        }),
      ),
    },
    {
      name: "command_execution.started",
      weight: 0.1,
      pool: pool(32, () =>
        template({
          type: "item.started",
          item: {
            id: "item_@ID@",
            type: "command_execution",
            command: `${cmd()} # ${text(rand, 150, false)}`,
            aggregated_output: "",
            exit_code: null,
            status: "in_progress",
          },
        }),
      ),
    },
    {
      name: "reasoning",
      weight: 0.3,
      pool: pool(128, () =>
        template({
          type: "item.completed",
          item: { id: "item_@ID@", type: "reasoning", text: text(rand, size(), false) },
        }),
      ),
    },
    {
      name: "agent_message",
      weight: 0.1,
      pool: pool(64, () =>
        template({
          type: "item.completed",
          item: { id: "item_@ID@", type: "agent_message", text: text(rand, size(), true) },
        }),
      ),
    },
    {
      name: "todo_list",
      weight: 0.05,
      pool: pool(16, () =>
        template({
          type: "item.completed",
          item: {
            id: "item_@ID@",
            type: "todo_list",
            items: Array.from({ length: 6 }, () => ({
              text: text(rand, 60, false),
              completed: rand() < 0.5,
            })),
          },
        }),
      ),
    },
  ];
  const counts: Record<string, number> = {};
  const handle = await fsp.open(file, "w");
  let written = 0;
  let lines = 0;
  let id = 0;
  const flush = async (chunk: string[]) => {
    const buf = Buffer.from(chunk.join(""), "utf8");
    await handle.write(buf);
    written += buf.length;
  };
  try {
    const head = [
      `${JSON.stringify({ type: "thread.started", thread_id: "01a1ffd2-d299-71c2-a37e-fbad9f28771b" })}\n`,
      `${JSON.stringify({ type: "turn.started" })}\n`,
    ];
    await flush(head);
    lines += head.length;
    const tailLines = [
      `${JSON.stringify({ type: "item.completed", item: { id: "item_last", type: "agent_message", text: "done" } })}\n`,
      `${JSON.stringify({ type: "turn.completed", usage: { input_tokens: 200, cached_input_tokens: 20, output_tokens: 40, reasoning_output_tokens: 10 } })}\n`,
    ];
    const target = bytes - tailLines.join("").length;
    let full = false;
    while (!full) {
      const chunk: string[] = [];
      let chunkBytes = 0;
      while (chunkBytes < 8 * 1024 * 1024) {
        const kind = pick(kinds, rand());
        if (!kind) break;
        const [pre, post] = kind.pool[Math.floor(rand() * kind.pool.length)] ?? ["", ""];
        const line = `${pre}${id + 1}${post}\n`;
        if (written + chunkBytes + line.length > target) {
          full = true;
          break;
        }
        id++;
        chunk.push(line);
        chunkBytes += line.length;
        counts[kind.name] = (counts[kind.name] ?? 0) + 1;
        lines++;
      }
      await flush(chunk);
    }
    await flush(tailLines);
    lines += tailLines.length;
  } finally {
    await handle.close();
  }
  return { lines, bytes: written, counts };
}

/** A readable transcript (what codex-exec.log holds) of about `bytes`, in ~8 MiB chunks. */
export async function writeTranscript(file: string, bytes: number, seed = 2): Promise<number> {
  const rand = prng(seed);
  const blocks = Array.from({ length: 256 }, (_, i) => {
    const t = `[${String(Math.floor(i / 60)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}]`;
    const kind = rand();
    if (kind < 0.4)
      return `${t} $ ${COMMANDS[i % COMMANDS.length]}\n${text(rand, 200 + Math.floor(rand() * 1500), true)}\n`;
    if (kind < 0.7) return `${t} thinking: ${text(rand, 100 + Math.floor(rand() * 600), false)}\n`;
    return `${t} codex: ${text(rand, 100 + Math.floor(rand() * 1200), true)}\n`;
  });
  const handle = await fsp.open(file, "w");
  let written = 0;
  try {
    while (written < bytes) {
      const chunk: string[] = [];
      let chunkBytes = 0;
      while (chunkBytes < 8 * 1024 * 1024 && written + chunkBytes < bytes) {
        const b = (blocks[Math.floor(rand() * blocks.length)] ?? "\n").slice(0, bytes - written - chunkBytes);
        chunk.push(b);
        chunkBytes += b.length;
      }
      const buf = Buffer.from(chunk.join(""), "utf8");
      await handle.write(buf);
      written += buf.length;
    }
    const end = Buffer.from("task completed (exit 0) after 3h12m\n");
    await handle.write(end);
    written += end.length;
  } finally {
    await handle.close();
  }
  return written;
}
