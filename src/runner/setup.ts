import { execa } from "execa";
import type { RunnerHooks } from "../core/runner-hooks.js";
import type { TaskMeta } from "../core/types.js";

const OUTPUT_KEPT = 40;

/**
 * Runs the repository's `worktree.setup` commands in the worktree before Codex starts, with the
 * task's environment. Their output goes to the transcript (and the tmux pane); the first one
 * that fails fails the task with its output.
 */
export function setupHooks(meta: TaskMeta): RunnerHooks {
  const commands = meta.setup ?? [];
  if (commands.length === 0) return {};
  const cwd = meta.git?.worktree_dir ?? meta.run_dir;
  return {
    beforeAgent: async ({ env, transcript, signal }) => {
      for (const command of commands) {
        if (signal.aborted) return;
        transcript.line(`setup: $ ${command}`);
        const tail: string[] = [];
        // The command comes from the repository's own config file, written like an npm script:
        // a shell runs it, as the user wrote it.
        const child = execa("sh", ["-c", command], {
          cwd,
          env,
          extendEnv: false,
          all: true,
          reject: false,
          buffer: false,
          stdin: "ignore",
          cancelSignal: signal,
          forceKillAfterDelay: 3000,
        });
        child.all?.on("data", (chunk: Buffer) => {
          const text = chunk.toString("utf8");
          transcript.raw(text);
          tail.push(...text.split("\n"));
          if (tail.length > OUTPUT_KEPT * 2) tail.splice(0, tail.length - OUTPUT_KEPT);
        });
        const r = await child;
        if (signal.aborted) return;
        if (r.exitCode !== 0) {
          const output = tail.slice(-OUTPUT_KEPT).join("\n").trim();
          throw new Error(
            `setup command \`${command}\` failed (${r.exitCode === undefined ? (r.signal ?? "did not run") : `exit ${r.exitCode}`})${output ? `:\n${output}` : ""}`,
          );
        }
      }
      transcript.line(`setup: ${commands.length} command(s) done`);
    },
  };
}
