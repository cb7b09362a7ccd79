import { execFile } from "node:child_process";
import { UserError } from "../../util/errors.js";
import type { InstallOptions } from "./types.js";

/** `claude mcp add <name> -s <scope> [-e K=V ...] -- <command> <args...>` */
export function claudeAddArgv(opts: InstallOptions): string[] {
  const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  return ["claude", "mcp", "add", opts.name, "-s", opts.scope, ...env, "--", opts.command, ...opts.args];
}

export function claudeRemoveArgv(opts: InstallOptions): string[] {
  return ["claude", "mcp", "remove", opts.name, "-s", opts.scope];
}

/**
 * Runs one `claude mcp ...` command (argv[0] is replaced by the resolved binary). HOME is set to
 * `opts.home` so the CLI edits the same ~/.claude.json this module reads; CLAUDE_CONFIG_DIR is
 * dropped for the same reason. Project scope runs in the project directory.
 */
export async function runClaude(
  binary: string,
  argv: readonly string[],
  opts: InstallOptions,
): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: opts.home };
  if ((opts.platform ?? process.platform) === "win32") env.USERPROFILE = opts.home;
  delete env.CLAUDE_CONFIG_DIR;
  await new Promise<void>((resolve, reject) => {
    execFile(
      binary,
      argv.slice(1),
      { cwd: opts.cwd, env, timeout: 120_000, maxBuffer: 4 * 1024 * 1024, windowsHide: true },
      (err, stdout, stderr) => {
        if (!err) {
          resolve();
          return;
        }
        const output = `${stderr}${stdout}`.trim().split("\n").slice(-5).join("\n");
        const how = err.killed ? "timed out" : `exited with code ${String(err.code)}`;
        reject(
          new UserError(
            `\`${argv.slice(0, 3).join(" ")}\` ${how}${output ? `: ${output}` : ""}. Nothing else was changed; fix what it reports and run the command again.`,
          ),
        );
      },
    );
  });
}
