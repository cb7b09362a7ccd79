import { spawn } from "node:child_process";

export interface CaptureOptions {
  readonly cwd?: string;
  /** The whole environment (nothing is added to it). */
  readonly env?: NodeJS.ProcessEnv;
  /** Bytes of stdout plus stderr kept before the child is killed and `overflow` set. */
  readonly maxBuffer?: number;
  /** Milliseconds before the child is killed (SIGTERM) and `timedOut` set. */
  readonly timeoutMs?: number;
}

export interface Captured {
  /** null when the child did not exit on its own (killed, or it never started). */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Why it never ran (ENOENT, EACCES, …). */
  readonly spawnError?: Error;
  readonly overflow: boolean;
  readonly timedOut: boolean;
}

/**
 * Runs a short command (argv, no shell, stdin closed) and collects its output; never throws.
 * The short git and tmux commands of a dispatch go through this rather than execa: measured in
 * a server-sized Node process, execa's own setup adds ~3 ms to each run of a 4 ms command, and a
 * dispatch runs four of them one after another (docs/performance.md).
 */
export function capture(bin: string, args: readonly string[], opts: CaptureOptions = {}): Promise<Captured> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let overflow = false;
    let timedOut = false;
    let spawnError: Error | undefined;
    const child = spawn(bin, [...args], { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill("SIGTERM");
          }, opts.timeoutMs);
    const take = (into: Buffer[]) => (chunk: Buffer) => {
      if (overflow) return;
      bytes += chunk.length;
      if (opts.maxBuffer !== undefined && bytes > opts.maxBuffer) {
        overflow = true;
        child.kill("SIGTERM");
        return;
      }
      into.push(chunk);
    };
    child.stdout.on("data", take(out));
    child.stderr.on("data", take(err));
    child.once("error", (e) => {
      spawnError = e;
    });
    // "close" comes after both pipes ended (and after "error" for a child that never started).
    child.once("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        exitCode: spawnError ? null : code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        ...(spawnError ? { spawnError } : {}),
        overflow,
        timedOut,
      });
    });
  });
}
