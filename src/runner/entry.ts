import path from "node:path";
import type { Stopper } from "./stopper.js";

/**
 * Runs the task in `taskDir` in this process and exits with it. Whatever started the runner
 * (a cold `node runner/main.js <task-dir>` or a standby runner that adopted the task) ends here.
 */
export function runAndExit(taskDir: string, stopper: Stopper): void {
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
}
