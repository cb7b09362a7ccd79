#!/usr/bin/env node
import path from "node:path";
import { runTask } from "./run.js";

/** Entry point of the task runner: `node runner/main.js <task-dir>`. */
const taskDir = process.argv[2];
if (!taskDir || !path.isAbsolute(taskDir)) {
  process.stderr.write("usage: runner <absolute task directory>\n");
  process.exit(2);
}
runTask(taskDir).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `codexmcp runner failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
