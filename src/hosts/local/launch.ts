import type { TaskStore } from "../../core/store.js";
import type { RunnerRecord, TaskMeta } from "../../core/types.js";
import { processIdentity } from "../../proc/liveness.js";
import { writeJsonOnce } from "../../util/files.js";
import { packageFile } from "../../util/package-file.js";
import { nowIso } from "../../util/time.js";
import type { Tmux } from "../tmux/tmux.js";
import type { StandbyRunners } from "./standby.js";

/** The runner entry point (dist/runner/main.js), from dist/ (tsc or bundled) or src/ (tests). */
export function runnerScriptPath(): string {
  const found = packageFile("dist/runner/main.js");
  if (!found) throw new Error("The task runner is not built (no dist/runner/main.js); run npm run build.");
  return found;
}

/**
 * Starts the task's runner and records who it is (pid + start time). The task's environment
 * (env.json) is already written by dispatch. Full-access tasks run in a
 * tmux session a person can attach to; read-only tasks in a detached process of their own
 * session. Either way the runner is the leader of its process group and outlives the server.
 */
export async function launchRunner(
  store: TaskStore,
  meta: TaskMeta,
  tmux: Tmux | undefined,
  standby?: StandbyRunners,
): Promise<RunnerRecord> {
  const taskDir = store.layout.taskDir(meta.task_id);
  const argv = [process.execPath, runnerScriptPath(), taskDir];
  let pid: number;
  if (meta.host === "tmux") {
    if (!tmux || !meta.tmux_session) throw new Error("a tmux-hosted task needs a tmux session name");
    pid = await tmux.newSession(meta.tmux_session, meta.run_dir, argv);
  } else {
    pid = standby?.adopt(taskDir) ?? (await startDetached(store, meta, argv));
  }
  const identity = processIdentity(pid);
  const record: RunnerRecord = {
    pid,
    start: identity?.start ?? "",
    host: meta.host === "tmux" ? "tmux" : "process",
    launched_at: nowIso(),
  };
  // The runner writes its own record when it starts; keep that one if it was faster. A runner
  // already gone gets an empty start time, so it reads as dead and is recovered at once.
  await writeJsonOnce(store.layout.file(meta.task_id, "runner"), record);
  return (await store.readRunner(meta.task_id)) ?? record;
}

/** A runner in a detached process of its own session, its output in the task's runner.log. */
async function startDetached(store: TaskStore, meta: TaskMeta, argv: readonly string[]): Promise<number> {
  const [bin = process.execPath, ...args] = argv;
  const logFile = store.layout.file(meta.task_id, "runnerLog");
  const { execa } = await import("execa");
  const child = execa(bin, args, {
    cwd: meta.run_dir,
    detached: true,
    cleanup: false,
    reject: false,
    stdin: "ignore",
    stdout: { file: logFile, append: true },
    stderr: { file: logFile, append: true },
  });
  child.catch(() => undefined);
  child.unref();
  if (child.pid === undefined) throw new Error("the task runner could not be started");
  return child.pid;
}
