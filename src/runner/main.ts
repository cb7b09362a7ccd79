#!/usr/bin/env node
import path from "node:path";
import { TASK_FILES } from "../core/layout.js";
import { enableCompileCache } from "../util/compile-cache.js";
import { stopOnSignals } from "./stopper.js";

/** Entry point of the task runner: `node runner/main.js <task-dir>`. */
enableCompileCache();
const taskDir = process.argv[2];
if (!taskDir || !path.isAbsolute(taskDir)) {
  process.stderr.write("usage: runner <absolute task directory>\n");
  process.exit(2);
}
// Before the rest of the runner loads: a cancel in the first milliseconds must still be recorded.
const stopper = stopOnSignals(path.join(taskDir, TASK_FILES.cancel));

// Finishing frees a slot: start whatever waits in the queue.
const pump = {
  afterFinalize: async () => {
    const [{ pumpQueue }, { TaskStore }, { postMortemAudit }] = await Promise.all([
      import("../lifecycle/scheduler.js"),
      import("../core/store.js"),
      import("../audit/post-mortem-lazy.js"),
    ]);
    await pumpQueue(
      new TaskStore(path.dirname(path.dirname(taskDir)), { postMortemAudit, lightReads: true }),
    );
  },
};
import("./run.js")
  .then(({ runTask }) => runTask(taskDir, pump, stopper))
  .then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(
        `codexmcp runner failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
