import { type SimpleGit, simpleGit } from "simple-git";
import { sleep } from "../util/time.js";

const LOCK_ERROR =
  /\.lock['"]?: File exists|cannot lock ref|Unable to create '.*\.lock'|could not lock config file|unable to write new index file|is already locked/i;

export function isGitLockError(err: unknown): boolean {
  return err instanceof Error && LOCK_ERROR.test(err.message);
}

/**
 * Variables that make git interactive or run helper programs: never wanted for the local,
 * non-interactive commands codexmcp runs, and refused by simple-git's safety checks (a user's
 * EDITOR or VS Code's GIT_ASKPASS would otherwise make every call fail).
 */
const INTERACTIVE_ENV = [
  "EDITOR",
  "GIT_EDITOR",
  "GIT_SEQUENCE_EDITOR",
  "PAGER",
  "GIT_PAGER",
  "GIT_ASKPASS",
  "SSH_ASKPASS",
  "GIT_SSH",
  "GIT_SSH_COMMAND",
  "GIT_PROXY_COMMAND",
  "GIT_EXTERNAL_DIFF",
  "GIT_TEMPLATE_DIR",
];

export function gitEnv(extra?: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !INTERACTIVE_ENV.includes(k.toUpperCase())) env[k] = v;
  }
  // GIT_OPTIONAL_LOCKS=0: `git status` must not refresh (rewrite) the index while we only look.
  return { ...env, GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0", ...extra };
}

function client(dir: string, env?: Record<string, string>): SimpleGit {
  return simpleGit({
    baseDir: dir,
    maxConcurrentProcesses: 8,
    trimmed: false,
    // The user's choice of config files (GIT_CONFIG_GLOBAL, GIT_CONFIG_COUNT…) stays in effect.
    unsafe: { allowUnsafeConfigPaths: true, allowUnsafeConfigEnvCount: true },
    // simple-git's default only fails when stderr is non-empty; `show-ref --quiet` and
    // `merge-base --is-ancestor` answer with the exit code alone, so any non-zero exit is an error.
    errors: (error, result) => {
      if (error || result.exitCode === 0) return error;
      const text = Buffer.concat([...result.stdErr, ...result.stdOut])
        .toString("utf8")
        .trim();
      return Buffer.from(text || `git exited with code ${result.exitCode}`);
    },
  }).env(gitEnv(env));
}

/**
 * `git <args>` in `dir` (argv, never a shell string). Retries for a while when another git
 * process holds one of the repository's lock files: concurrent dispatches and the user's own
 * git commands must not make a dispatch fail.
 */
export async function git(
  dir: string,
  args: readonly string[],
  env?: Record<string, string>,
): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await client(dir, env).raw([...args]);
    } catch (err) {
      if (!isGitLockError(err) || Date.now() > deadline) throw err;
      await sleep(Math.min(1000, 25 * 2 ** attempt) + Math.random() * 50);
    }
  }
}

/** Like git(), but a failure gives undefined (for probes such as "is this a branch?"). */
export async function gitMaybe(dir: string, args: readonly string[]): Promise<string | undefined> {
  try {
    return await git(dir, args);
  } catch {
    return undefined;
  }
}
