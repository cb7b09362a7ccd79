import { promises as fsp } from "node:fs";
import path from "node:path";
import { capture } from "../proc/capture.js";
import { sleep } from "../util/time.js";
import { driverOverrides, gitlinkPaths, hardenArgs, needsDriverScan, parseScopedConfig } from "./harden.js";

const LOCK_ERROR =
  /\.lock['"]?: File exists|cannot lock ref|Unable to create '.*\.lock'|could not lock config file|unable to write new index file|is already locked/i;

export function isGitLockError(err: unknown): boolean {
  return err instanceof Error && LOCK_ERROR.test(err.message);
}

/**
 * Variables dropped from git's environment: those that make git interactive or run helper
 * programs (never wanted for the local, non-interactive commands codexmcp runs), and those that
 * point git at another repository, index or object store than the directory it is run in.
 */
const DROPPED_ENV = new Set([
  "EDITOR",
  "VISUAL",
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
  "GIT_EXEC_PATH",
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_COMMON_DIR",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_NAMESPACE",
  "GIT_PREFIX",
]);

export function gitEnv(extra?: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !DROPPED_ENV.has(k.toUpperCase())) env[k] = v;
  }
  // GIT_OPTIONAL_LOCKS=0: `git status` must not refresh (rewrite) the index while we only look.
  return { ...env, GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0", ...extra };
}

/** What a git run may print before it is cut off (a V8 string holds at most ~512 MiB). */
const MAX_OUTPUT = 256 * 1024 * 1024;

/**
 * Runs git with `argv` in `dir` and returns its stdout; any non-zero exit is an error whose
 * message is git's stderr then stdout (`show-ref --quiet` and `merge-base --is-ancestor` answer
 * with the exit code alone, and merge-tree puts its answer on stdout). Run through a bare spawn
 * (proc/capture.ts): simple-git held every command that prints nothing for another 50 ms, and
 * execa's setup costs ~3 ms a run; a dispatch runs three git commands one after another.
 */
async function run(dir: string, argv: readonly string[], env?: Record<string, string>): Promise<string> {
  const r = await capture("git", argv, { cwd: dir, env: gitEnv(env), maxBuffer: MAX_OUTPUT });
  if (r.exitCode === 0) return r.stdout;
  if (r.overflow) throw new Error(`git printed more than ${MAX_OUTPUT / 1024 / 1024} MiB in ${dir}`);
  if (r.spawnError) throw new Error(`git could not run in ${dir}: ${r.spawnError.message}`);
  const text = `${r.stderr}${r.stdout}`.trim();
  throw new Error(
    text || (r.exitCode === null ? `git was killed (${r.signal})` : `git exited with code ${r.exitCode}`),
  );
}

/** Entries of `git config --list` as git reads them in `dir`, scopes included. */
async function scopedConfig(dir: string, env?: Record<string, string>) {
  const listed = await run(dir, hardenArgs(["config", "--list", "--show-scope", "-z"], []), env).catch(
    () => "",
  );
  return parseScopedConfig(listed);
}

/**
 * `git add` checks whether a nested repository is dirty by running `git status` inside it, under
 * that repository's own config (and no option stops it): its drivers are disarmed too. The
 * overrides reach the inner git through GIT_CONFIG_PARAMETERS; it ignores dirty submodules
 * itself (FIXED_CONFIG), so one level is enough.
 */
async function nestedDriverOverrides(dir: string, env?: Record<string, string>) {
  const top = (await run(dir, hardenArgs(["rev-parse", "--show-toplevel"], []), env).catch(() => "")).trim();
  if (!top) return [];
  const stage = await run(top, hardenArgs(["ls-files", "--stage", "-z"], []), env).catch(() => "");
  const out: [string, string][] = [];
  for (const rel of gitlinkPaths(stage)) {
    const sub = path.join(top, rel);
    if (!(await fsp.lstat(path.join(sub, ".git")).catch(() => null))) continue;
    out.push(...driverOverrides(await scopedConfig(sub, env)));
  }
  return out;
}

/**
 * The hardened argv for `git <args>` in `dir`: the fixed switches plus the repository's own
 * drivers disarmed (read fresh each time: an agent may be editing the config right now). Commands
 * that cannot run a driver (harden.ts, `needsDriverScan`) get the fixed switches alone.
 */
export async function hardenedArgv(
  dir: string,
  args: readonly string[],
  env?: Record<string, string>,
  scanned?: Promise<DriverScan>,
): Promise<string[]> {
  if (!needsDriverScan(args)) return hardenArgs(args, []);
  const overrides = [...(await (scanned ?? driverScan(dir, env)))];
  if (args[0] === "add") overrides.push(...(await nestedDriverOverrides(dir, env)));
  return hardenArgs(args, overrides);
}

/** The overrides that disarm the drivers a repository's config defines (as read in `dir`). */
export type DriverScan = readonly [string, string][];

/**
 * The repository's drivers, read now: for a caller that starts the scan early, side by side with
 * other work, and hands it to git() (`scanned`). Never rejects (an unreadable config disarms
 * nothing, as in git()).
 */
export async function driverScan(dir: string, env?: Record<string, string>): Promise<DriverScan> {
  return driverOverrides(await scopedConfig(dir, env));
}

/**
 * `git <args>` in `dir` (argv, never a shell string), hardened against repository-configured
 * programs (harden.ts). Retries for a while when another git process holds one of the
 * repository's lock files: concurrent dispatches and the user's own git commands must not make
 * a dispatch fail. `scanned`: the driver scan a caller started moments before (the first attempt
 * uses it; a retry scans afresh).
 */
export async function git(
  dir: string,
  args: readonly string[],
  env?: Record<string, string>,
  scanned?: Promise<DriverScan>,
): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await run(dir, await hardenedArgv(dir, args, env, attempt === 0 ? scanned : undefined), env);
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
