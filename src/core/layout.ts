import path from "node:path";

export const TASK_FILES = {
  meta: "meta.json",
  prompt: "prompt.md",
  events: "events.jsonl",
  log: "codex-exec.log",
  stderr: "stderr.log",
  result: "result.json",
  runner: "runner.json",
  env: "env.json",
  cancel: "cancel.json",
  /** One line per blocking call that ended before its task did, and why. */
  calls: "calls.jsonl",
  runnerLog: "runner.log",
  reserve: "outcome.reserve",
  pending: "outcome.pending",
  history: "history",
} as const;

export type TaskFile = keyof typeof TASK_FILES;

/** Where everything lives under $CODEXMCP_HOME. */
export class Layout {
  constructor(readonly home: string) {}

  get tasksDir(): string {
    return path.join(this.home, "tasks");
  }

  get locksDir(): string {
    return path.join(this.home, "locks");
  }

  get completionsFile(): string {
    return path.join(this.home, "completions.jsonl");
  }

  taskDir(taskId: string): string {
    return path.join(this.tasksDir, taskId);
  }

  file(taskId: string, name: TaskFile): string {
    return path.join(this.taskDir(taskId), TASK_FILES[name]);
  }
}
