#!/usr/bin/env node
import path from "node:path";
import { TASK_FILES } from "../core/layout.js";
import { enableCompileCache } from "../util/compile-cache.js";
import { runAndExit } from "./entry.js";
import { stopOnSignals } from "./stopper.js";

/**
 * Entry point of the task runner: `node runner/main.js <task-dir>`, or
 * `node runner/main.js --standby <home> <log-file>` for a runner started before its task
 * (standby.ts).
 */
enableCompileCache();
if (process.argv[2] === "--standby") {
  const [home, logFile] = process.argv.slice(3);
  void import("./standby.js").then(({ standBy }) => standBy(home ?? "", logFile ?? ""));
} else {
  const taskDir = process.argv[2];
  if (!taskDir || !path.isAbsolute(taskDir)) {
    process.stderr.write("usage: runner <absolute task directory>\n");
    process.exit(2);
  }
  // Before the rest of the runner loads: a cancel in the first milliseconds must still be recorded.
  runAndExit(taskDir, stopOnSignals(path.join(taskDir, TASK_FILES.cancel)));
}
