import { existsSync, linkSync, readFileSync, unlinkSync } from "node:fs";
import path from "node:path";
import { AGENT_NAMES } from "../core/agent-names.js";
import { Layout, TASK_FILES } from "../core/layout.js";
import { runAndExit } from "./entry.js";
import { stopOnSignals } from "./stopper.js";

/** A standby runner nobody handed a task to exits by itself after this long. */
export const STANDBY_IDLE_MS = 10 * 60 * 1000;
/** A signal before adoption: the task may be on its way in the pipe; wait this long for it. */
const SIGNAL_GRACE_MS = 500;
const SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;

/**
 * A runner started before its task, so a task's start costs no Node start (a server keeps one
 * ready; hosts/local/standby.ts). It loads the runner, then reads one line on stdin: the task
 * directory it adopts, after which it is exactly the runner `main.js <task-dir>` would have
 * been — same process group and session (the server started it detached), its output in the
 * task's runner.log, the task's run directory as its cwd. End of stdin without a task (the
 * server went away), a signal, or `STANDBY_IDLE_MS` without a task end it quietly.
 */
export async function standBy(home: string, logFile: string): Promise<void> {
  const tasksDir = new Layout(home).tasksDir;
  let adopted = false;
  let signalled: NodeJS.Signals | undefined;
  const leave = () => {
    if (adopted) return;
    try {
      unlinkSync(logFile);
    } catch {
      // already gone
    }
    process.exit(0);
  };
  for (const sig of SIGNALS)
    process.on(sig, () => {
      if (adopted) return;
      signalled ??= sig;
      setTimeout(leave, SIGNAL_GRACE_MS);
    });
  const idle = setTimeout(leave, STANDBY_IDLE_MS);
  // Load what a task needs now, while nobody waits: the runner and every agent's driver.
  const warm = Promise.all([
    import("./run.js"),
    import("../agents/registry.js").then(({ loadDriver }) =>
      Promise.all(AGENT_NAMES.map(async (n) => (await loadDriver(n)).preload?.())),
    ),
  ]).catch(() => undefined);

  const line = await readLine(process.stdin);
  const taskDir = line?.trim();
  if (!taskDir || !path.isAbsolute(taskDir) || path.dirname(taskDir) !== tasksDir || !existsSync(taskDir))
    return leave();
  adopted = true;
  clearTimeout(idle);
  const cancelFile = path.join(taskDir, TASK_FILES.cancel);
  const stopper = stopOnSignals(cancelFile);
  if (signalled) stopper.stop(existsSync(cancelFile) ? "cancel" : "signal", signalled);
  takeOverLog(logFile, path.join(taskDir, TASK_FILES.runnerLog));
  const runDir = runDirOf(taskDir);
  if (runDir) {
    try {
      process.chdir(runDir);
    } catch {
      // The runner names its directories explicitly; the cwd only matters to a person's `ps`.
    }
  }
  await warm;
  runAndExit(taskDir, stopper);
}

/** The first line on `stream`, or undefined when it ends without one. */
function readLine(stream: NodeJS.ReadableStream): Promise<string | undefined> {
  return new Promise((resolve) => {
    let text = "";
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const at = text.indexOf("\n");
      if (at < 0) return;
      stream.off("data", onData);
      stream.pause();
      resolve(text.slice(0, at));
    };
    stream.on("data", onData);
    stream.once("end", () => resolve(undefined));
    stream.once("error", () => resolve(undefined));
  });
}

/**
 * The standby's stdout and stderr go to `logFile`; giving that file the task's runner.log name
 * puts what the runner (or Node, on a crash) writes there, as for a runner started cold.
 */
function takeOverLog(logFile: string, runnerLog: string): void {
  try {
    linkSync(logFile, runnerLog);
    unlinkSync(logFile);
  } catch {
    // A runner.log already there (or a log gone): the output stays where it is.
  }
}

function runDirOf(taskDir: string): string | undefined {
  try {
    const meta = JSON.parse(readFileSync(path.join(taskDir, TASK_FILES.meta), "utf8")) as {
      run_dir?: unknown;
    };
    return typeof meta.run_dir === "string" ? meta.run_dir : undefined;
  } catch {
    return undefined;
  }
}
