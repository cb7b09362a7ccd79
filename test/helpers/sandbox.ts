import { execFileSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { ScriptedModel } from "../../src/e2e/scripted-model.js";
import { type CodexVersion, codexBin } from "./codex-versions.js";
import { testDir, userPath } from "./paths.js";

export const ROOT = path.resolve(import.meta.dirname, "../..");
/** The default tested Codex (absolute: tests run with a PATH that lacks node_modules/.bin). */
export const CODEX_BIN = codexBin();
export const SERVER_BIN = path.join(ROOT, "dist/bin/codexmcp.js");

/** Identity for commits made by tests and by Codex inside tests, independent of the machine's git config. */
export const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: "codexmcp test",
  GIT_AUTHOR_EMAIL: "test@codexmcp.invalid",
  GIT_COMMITTER_NAME: "codexmcp test",
  GIT_COMMITTER_EMAIL: "test@codexmcp.invalid",
};

export function sh(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(cmd, [...args], {
    cwd,
    env: { ...process.env, ...GIT_IDENTITY, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function gitIn(cwd: string, ...args: string[]): string {
  return sh("git", args, cwd).trim();
}

/** A git repository with one commit holding `files`. */
export async function makeRepo(
  dir: string,
  files: Record<string, string> = { "README.md": "# project\n" },
): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  gitIn(dir, "init", "-q", "-b", "main");
  for (const [name, content] of Object.entries(files)) {
    await fsp.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fsp.writeFile(path.join(dir, name), content);
  }
  gitIn(dir, "add", "-A");
  gitIn(dir, "commit", "-qm", "initial");
  return dir;
}

/**
 * Everything one test file needs, private to it: a state home, a HOME of its own, a CODEX_HOME
 * pointing the real Codex at a scripted model, a repository, and a tmux socket of its own (never
 * the user's). All of it lives outside the OS temp dir (see paths.ts) and the environment's PATH
 * lacks node_modules/.bin, as on a user's machine.
 */
export class Sandbox {
  readonly model = new ScriptedModel();
  root = "";
  /** CODEXMCP_HOME: the task store. */
  home = "";
  /** HOME of the server and every task it starts. */
  userHome = "";
  codexHome = "";
  codexBin = CODEX_BIN;
  repo = "";
  readonly socket = `codexmcp-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  /**
   * Files live under TEST_ROOT (never the OS temp dir). `parent` puts them elsewhere: tests of
   * Codex's workspace-write sandbox need a directory the sandbox does not leave writable anyway.
   */
  static async create(
    files?: Record<string, string>,
    opts: { codexVersion?: CodexVersion; parent?: string } = {},
  ): Promise<Sandbox> {
    const s = new Sandbox();
    if (opts.parent) {
      await fsp.mkdir(opts.parent, { recursive: true });
      s.root = await fsp.realpath(await fsp.mkdtemp(path.join(opts.parent, "codexmcp-test-")));
    } else s.root = await testDir("sb");
    s.home = path.join(s.root, "state");
    s.userHome = path.join(s.root, "home");
    await fsp.mkdir(s.userHome, { recursive: true });
    if (opts.codexVersion) s.codexBin = codexBin(opts.codexVersion);
    await s.model.start();
    s.codexHome = await s.model.writeCodexHome(path.join(s.root, "codex-home"));
    s.repo = await makeRepo(path.join(s.root, "project"), files);
    return s;
  }

  /** Environment for a server process (and so for every task it starts). */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...GIT_IDENTITY,
      PATH: userPath(),
      HOME: this.userHome,
      CODEXMCP_HOME: this.home,
      CODEX_HOME: this.codexHome,
      CODEX_BIN: this.codexBin,
      CODEXMCP_TMUX_SOCKET: this.socket,
      CODEXMCP_PROGRESS_INTERVAL: "1",
      ...extra,
    };
  }

  /** A directory for another CODEX_HOME, outside the OS temp dir like the default one. */
  codexDir(name: string): string {
    return path.join(this.root, name);
  }

  taskDir(taskId: string): string {
    return path.join(this.home, "tasks", taskId);
  }

  async newRepo(name: string, files?: Record<string, string>): Promise<string> {
    return makeRepo(path.join(this.root, name), files);
  }

  tmux(...args: string[]): string {
    try {
      return execFileSync("tmux", ["-L", this.socket, ...args], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch {
      return "";
    }
  }

  async dispose(): Promise<void> {
    this.tmux("kill-server");
    await this.model.stop();
    // Runners told to stop by the tmux server's end still write their outcome for a moment.
    await fsp.rm(this.root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}

/** The sandbox modes Codex told the model about in a request, oldest first (a resumed thread carries earlier ones). */
export function sandboxModes(body: unknown): string[] {
  return [...JSON.stringify(body).matchAll(/`sandbox_mode` is `([a-z-]+)`/g)].map((m) => m[1] ?? "");
}
