import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, createWriteStream, openSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { finished } from "node:stream/promises";
import type { AgentEvent, AgentStreamReader } from "../core/agent-events.js";
import { transcriptLines } from "../core/describe.js";
import type { AgentRunOutcome, TranscriptSink } from "../core/runner-hooks.js";
import { RunSummary } from "../core/summary.js";
import { processTagFromEnv } from "../core/task-tag.js";
import { processIdentity } from "../proc/liveness.js";
import { killTree } from "../proc/tree.js";

export interface AgentRunRequest {
  readonly taskId: string;
  /** The agent's name, as the transcript shows its messages. */
  readonly speaker: string;
  /** Reads the agent's raw stream into normalized events. */
  readonly reader: AgentStreamReader;
  /** Sees every normalized event as it arrives (e.g. to fail a run that cannot reach its model). */
  readonly onEvent?: (event: AgentEvent, summary: RunSummary) => void;
  /** Called for every line the agent prints on stdout (an event or not): it is alive. */
  readonly onOutput?: () => void;
  /** Events from outside the stream, read once the agent has exited. */
  readonly afterExit?: () => Promise<AgentEvent[]>;
  readonly bin: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly promptFile: string;
  readonly eventsFile: string;
  readonly stderrFile: string;
  readonly transcript: TranscriptSink;
  /** Aborting stops the agent and its whole process tree. */
  readonly signal: AbortSignal;
  readonly onSpawn?: (pid: number) => void;
}

const STDERR_TAIL_BYTES = 4096;

/**
 * Runs the agent CLI once: prompt from its file on stdin, stdout appended byte for byte to
 * events.jsonl while each line is read into normalized events that feed the summary and the
 * transcript, stderr to stderr.log. Resolves when the agent has exited and every byte is on disk.
 */
export async function runAgentProcess(req: AgentRunRequest): Promise<AgentRunOutcome> {
  const summary = new RunSummary();
  const events = createWriteStream(req.eventsFile, { flags: "a", mode: 0o600 });
  const stderrLog = createWriteStream(req.stderrFile, { flags: "a", mode: 0o600 });
  // A full disk loses log bytes, never the run: the summary is folded from the pipe itself.
  for (const log of [events, stderrLog]) log.on("error", () => undefined);
  let stderrTail = "";

  // node:child_process rather than execa here: this is every task's start-up path, and execa's
  // import alone costs a few hundred milliseconds. Still argv, never a shell.
  // Opened synchronously: spawn blocks the loop anyway, and an asynchronous open waits for a
  // free libuv thread (the runner's start records may still be fsyncing).
  const prompt = openSync(req.promptFile, "r");
  let child: ChildProcess;
  try {
    child = spawn(req.bin, [...req.args], { cwd: req.cwd, env: req.env, stdio: [prompt, "pipe", "pipe"] });
  } finally {
    closeSync(prompt);
  }
  let spawnError: string | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("error", (err) => {
      spawnError = err.message;
      resolve({ code: null, signal: null });
    });
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });

  const identity = child.pid !== undefined ? processIdentity(child.pid) : null;
  if (child.pid !== undefined) req.onSpawn?.(child.pid);

  let stopping: Promise<number> | undefined;
  const stop = () => {
    stopping ??= killTree({
      roots: identity ? [identity] : [],
      tag: processTagFromEnv(req.env, req.taskId),
      spare: [process.pid],
      graceMs: 3000,
    });
  };
  if (req.signal.aborted) stop();
  else req.signal.addEventListener("abort", stop, { once: true });

  const reading: Promise<unknown>[] = [];
  if (child.stdout) {
    child.stdout.pipe(events);
    const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
    const take = (events: AgentEvent[]) => {
      for (const event of events) {
        summary.push(event);
        req.transcript.lines(transcriptLines(event, req.speaker));
        req.onEvent?.(event, summary);
      }
    };
    lines.on("line", (line) => {
      req.onOutput?.();
      const trimmed = line.trim();
      if (!trimmed) return;
      // Not JSON: the agent printed a plain warning on stdout; show it as it is.
      if (!trimmed.startsWith("{")) {
        req.transcript.line(`${req.speaker}: ${line}`);
        return;
      }
      take(req.reader.push(line));
    });
    lines.once("close", () => take(req.reader.end()));
    reading.push(once(lines, "close"));
  }
  const debugLog = req.env.CODEXMCP_DEBUG_LOG;
  if (child.stderr) {
    child.stderr.pipe(stderrLog);
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      stderrTail = (stderrTail + text).slice(-STDERR_TAIL_BYTES);
      // A server started with --debug collects every task's Codex stderr in its debug log too.
      if (debugLog) {
        const lines = text
          .split("\n")
          .filter(Boolean)
          .map((l) => `${new Date().toISOString()} ${req.speaker.toUpperCase()} ${req.taskId}: ${l}\n`);
        appendFile(debugLog, lines.join(""), { mode: 0o600 }).catch(() => undefined);
      }
    });
  }

  // When the agent exits, anything of the task still alive is a leftover: the native binary behind
  // an npm launcher that was killed, or a command left running in the background. Leftovers can
  // hold its stdout open forever, and a finished task must not keep running in its worktree.
  const result = await exited;
  const drained = Promise.all(reading);
  const quick = await Promise.race([
    drained.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), 500)),
  ]);
  if (!quick) stop();
  await drained;
  req.signal.removeEventListener("abort", stop);
  stopping ??= killTree({
    roots: [],
    tag: processTagFromEnv(req.env, req.taskId),
    spare: [process.pid],
    graceMs: 2000,
    // The agent has exited and its output is drained: nothing else waits on this loop.
    mayBlock: true,
  });
  await stopping;
  if (!events.writableEnded) events.end();
  if (!stderrLog.writableEnded) stderrLog.end();
  await Promise.all([finished(events), finished(stderrLog)]).catch(() => undefined);
  if (req.afterExit && spawnError === null) {
    for (const event of await req.afterExit().catch(() => [])) summary.push(event);
  }

  return {
    exitCode: result.code,
    signal: result.signal,
    spawnError,
    stderrTail,
    summary: summary.data(),
  };
}
