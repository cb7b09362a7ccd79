import { execa, type ResultPromise } from "execa";
import { SERVER_BIN } from "./sandbox.js";

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `codexmcp` command. */
export async function cli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const r = await execa(process.execPath, [SERVER_BIN, ...args], {
    env,
    extendEnv: false,
    reject: false,
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? 120_000,
    stdin: "ignore",
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Starts a long-running `codexmcp` command (serve, logs -f) and hands back the process. */
export function cliProcess(args: readonly string[], env: NodeJS.ProcessEnv): ResultPromise {
  return execa(process.execPath, [SERVER_BIN, ...args], {
    env,
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    buffer: true,
  });
}
