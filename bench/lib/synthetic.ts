import { promises as fsp } from "node:fs";
import { buildResult } from "../../dist/core/result.js";
import { TaskStore } from "../../dist/core/store.js";
import { EMPTY_SUMMARY } from "../../dist/core/summary.js";
import type { TaskMeta, TaskResult } from "../../dist/core/types.js";
import { processIdentity } from "../../dist/proc/liveness.js";
import { PRIVATE_DIR_MODE, writeJsonAtomic } from "../../dist/util/files.js";
import { CODEX_BIN } from "./paths.js";

/**
 * Tasks made directly in a state home, through the product's own store code (dist/), so a
 * server sees them exactly as it sees real ones. A "running" synthetic task's runner is this
 * process: runner.json carries our pid and start time, so observers find the runner alive.
 */
function syntheticMeta(taskId: string, cwd: string, status: TaskMeta["status"]): TaskMeta {
  const topic = taskId.replace(/^codex-/, "");
  const [type = "test", ...rest] = topic.split("-");
  const now = new Date().toISOString();
  return {
    schema: 1,
    task_id: taskId,
    topic,
    topic_type: type,
    topic_stem: `${type}-${rest.slice(0, -1).join("-")}`,
    sandbox: "read-only",
    agent: "codex",
    agent_mode: "read-only",
    readonly_fallback: false,
    cwd,
    run_dir: cwd,
    host: "process",
    tmux_session: null,
    tmux_socket: null,
    git: null,
    ran_in_place: false,
    note: null,
    resume_session_id: null,
    model: null,
    profile: null,
    reasoning_effort: null,
    timeout_seconds: 3600,
    agent_bin: CODEX_BIN,
    agent_args: ["exec", "--json", "--skip-git-repo-check", "-C", cwd, "-s", "read-only", "-"],
    created_at: now,
    starting_at: now,
    status,
    started_at: now,
    finished_at: null,
  };
}

export function openStore(home: string): TaskStore {
  return new TaskStore(home);
}

/** A task whose runner is this process, as the runner leaves it once Codex is running. */
export async function createRunningTask(store: TaskStore, taskId: string, cwd: string): Promise<TaskMeta> {
  const self = processIdentity(process.pid);
  if (!self) throw new Error("cannot read this process's identity from /proc");
  const meta = syntheticMeta(taskId, cwd, "running");
  await fsp.mkdir(store.layout.taskDir(taskId), { recursive: true, mode: PRIVATE_DIR_MODE });
  await fsp.writeFile(store.layout.file(taskId, "prompt"), "synthetic task (bench)\n");
  await store.writeMeta(meta);
  await writeJsonAtomic(store.layout.file(taskId, "runner"), {
    ...self,
    host: "process",
    launched_at: meta.created_at,
  });
  return meta;
}

/** The result a runner builds for a clean run that said `message`. */
export function completedResult(meta: TaskMeta, message: string): TaskResult {
  return buildResult(meta, {
    status: "completed",
    exitCode: 0,
    signal: null,
    error: null,
    summary: {
      ...EMPTY_SUMMARY,
      sessionId: "01a1ffd2-d299-71c2-a37e-fbad9f28771b",
      result: message,
      usage: { input_tokens: 200, cached_input_tokens: 20, output_tokens: 40, reasoning_output_tokens: 10 },
      lastActivity: `said: ${message}`,
      counts: { events: 6, commands: 1, fileChanges: 0, messages: 1 },
    },
    finalizedBy: "runner",
  });
}

/**
 * A finished task: meta, prompt, events and transcript, then the outcome recorded by
 * `TaskStore.finalize` (result.json, completion journal line, meta marked terminal).
 */
export async function createFinishedTask(
  store: TaskStore,
  taskId: string,
  cwd: string,
  files: { events?: string; log?: string } = {},
): Promise<TaskResult> {
  const meta = await createRunningTask(store, taskId, cwd);
  if (files.events !== undefined) await fsp.writeFile(store.layout.file(taskId, "events"), files.events);
  if (files.log !== undefined) await fsp.writeFile(store.layout.file(taskId, "log"), files.log);
  const result = completedResult(meta, "done");
  if (!(await store.finalize(result))) throw new Error(`${taskId} already had a result`);
  return result;
}
