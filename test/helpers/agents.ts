import { execFile, execFileSync, spawn } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

/**
 * The pinned agent CLIs, installed on first use by scripts/agents.mjs into a cache outside the
 * repository (safe to call from many workers at once: the installer locks per package version).
 */
export type AgentName = "codex" | "claude" | "gemini" | "opencode" | "copilot" | "qwen";

export interface InstalledAgent {
  readonly name: AgentName;
  readonly version: string;
  /** Absolute path of the CLI's executable. */
  readonly bin: string;
  /** Installed by this call (false: it was in the cache already). */
  readonly fresh: boolean;
  /** Copilot only: the COPILOT_PKG_CACHE_HOME where its payload is already unpacked. */
  readonly pkgCacheHome?: string;
}

const ROOT = path.resolve(import.meta.dirname, "../..");
const INSTALLER = path.join(ROOT, "scripts/agents.mjs");
const run = promisify(execFile);

/** Installs (unless installed) and describes the pinned CLIs named `name[@version]`; none: all of them. */
export async function installAgents(specs: readonly string[] = []): Promise<InstalledAgent[]> {
  const { stdout } = await run(process.execPath, [INSTALLER, "install", "--json", ...specs], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
    timeout: 15 * 60_000,
  });
  return JSON.parse(stdout) as InstalledAgent[];
}

export async function installedAgent(name: AgentName, version?: string): Promise<InstalledAgent> {
  const [agent] = await installAgents([version ? `${name}@${version}` : name]);
  if (!agent) throw new Error(`the installer printed nothing for ${name}`);
  return agent;
}

/** The path of a pinned agent CLI's executable, installing it on first use. */
export async function agentBin(name: AgentName, version?: string): Promise<string> {
  return (await installedAgent(name, version)).bin;
}

/**
 * Where a pinned CLI's executable is, without installing it (the vitest globalSetup installs every
 * pinned CLI before any test file loads). For module-level constants.
 */
export function agentBinPath(name: AgentName, version?: string): string {
  return execFileSync(process.execPath, [INSTALLER, "path", version ? `${name}@${version}` : name], {
    cwd: ROOT,
    encoding: "utf8",
  }).trim();
}

/**
 * A fresh directory for agent homes (HOME, CODEX_HOME, config dirs) outside the OS temp dir: Codex
 * refuses to set up its sandbox helper under it. Remove it with `removeAgentHomes`.
 */
export async function makeAgentHomes(label: string): Promise<string> {
  const base = path.join("/var/tmp", "codexmcp-tests");
  await fsp.mkdir(base, { recursive: true });
  return fsp.mkdtemp(path.join(base, `${label}-${process.pid}-`));
}

export async function removeAgentHomes(dir: string): Promise<void> {
  if (!dir.startsWith(path.join("/var/tmp", "codexmcp-tests")))
    throw new Error(`not an agent home dir: ${dir}`);
  await fsp.rm(dir, { recursive: true, force: true });
}

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs an agent CLI with `input` on stdin (prompts never go on argv) and collects its output. It
 * gets a process group of its own, killed whole on timeout: some CLIs (Copilot's launcher) start
 * their real binary as a child that a kill of the launcher alone would leave running.
 */
export function runCli(
  bin: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; input: string; timeoutMs: number },
): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args], { cwd: opts.cwd, env: opts.env, detached: true, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${opts.timeoutMs} ms]`;
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    }, opts.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin.on("error", () => {}); // a CLI that exits before reading its prompt
    child.stdin.end(opts.input);
  });
}
