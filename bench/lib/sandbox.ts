import { promises as fsp } from "node:fs";
import path from "node:path";
import { ScriptedModel } from "../../dist/e2e/scripted-model.js";
import { noteDeletion } from "./disk.js";
import { GIT_IDENTITY, run } from "./exec.js";
import { CODEX_BIN } from "./paths.js";

/** The suite's private tmux server (never the user's). */
export const TMUX_SOCKET = `codexmcp-bench-${process.pid}`;

const live = new Set<BenchSandbox>();

/** Disposes every sandbox still open (used on failure and on signals). */
export async function disposeAll(): Promise<void> {
  for (const s of [...live]) await s.dispose();
  await killTmuxServer();
}

/** Stops the suite's tmux server and removes its socket file (tmux leaves it behind). */
export async function killTmuxServer(): Promise<void> {
  await run("tmux", ["-L", TMUX_SOCKET, "kill-server"]).catch(() => undefined);
  const uid = process.getuid?.() ?? 0;
  const dir = path.join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${uid}`);
  await fsp.rm(path.join(dir, TMUX_SOCKET), { force: true }).catch(() => undefined);
}

/**
 * Everything one benchmark needs, private to it: a temporary root (state home, CODEX_HOME,
 * repositories and their worktrees all live inside it), a scripted model, and a list of
 * clean-ups run in reverse order however the benchmark ends.
 */
export class BenchSandbox {
  readonly model = new ScriptedModel();
  root = "";
  codexHome = "";
  /** HOME for everything a benchmark starts (see create). */
  userHome = "";
  private readonly cleanups: (() => Promise<unknown> | unknown)[] = [];
  private disposed = false;

  static async create(name: string): Promise<BenchSandbox> {
    const s = new BenchSandbox();
    live.add(s);
    // Never under the OS temp dir: Codex refuses to set up its helpers when CODEX_HOME is there.
    const parent = path.resolve(process.env.CODEXMCP_TEST_ROOT || "/var/tmp/codexmcp-tests");
    await fsp.mkdir(parent, { recursive: true });
    s.root = await fsp.realpath(await fsp.mkdtemp(path.join(parent, `bench-${name}-`)));
    await s.model.start();
    s.codexHome = await s.model.writeCodexHome(path.join(s.root, "codex-home"));
    // Agents run shell commands as login shells, which source the machine's shell init; a task
    // swept mid `pyenv rehash` there leaves a lock that stalls every later login shell. Every
    // process a benchmark starts gets a HOME of its own.
    s.userHome = path.join(s.root, "home");
    await fsp.mkdir(s.userHome, { recursive: true });
    return s;
  }

  path(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  /** Environment for a codexmcp server (and so for every task it starts). */
  serverEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...baseEnv(),
      ...GIT_IDENTITY,
      HOME: this.userHome,
      CODEXMCP_HOME: home,
      CODEX_HOME: this.codexHome,
      CODEX_BIN,
      CODEXMCP_TMUX_SOCKET: TMUX_SOCKET,
      CODEXMCP_READONLY_FALLBACK: "0",
      ...extra,
    };
  }

  /**
   * Keeps the suite's tmux server up for the sandbox's lifetime with an idle session. tmux exits
   * when its last session ends, and a new-session racing that exit fails ("server exited
   * unexpectedly"); with the keeper every sample meets a running server.
   */
  async keepTmuxAlive(): Promise<void> {
    const r = await run("tmux", [
      "-L",
      TMUX_SOCKET,
      "new-session",
      "-d",
      "-s",
      "bench-keeper",
      "--",
      "sleep",
      "86400",
    ]);
    if (r.code !== 0) throw new Error(`tmux new-session (keeper) failed: ${r.stderr.trim()}`);
  }

  /** Runs `fn` when the sandbox is disposed (last registered, first run). */
  defer(fn: () => Promise<unknown> | unknown): void {
    this.cleanups.push(fn);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    live.delete(this);
    for (const fn of this.cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error(`  clean-up step failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    await killTmuxServer();
    await this.model.stop().catch(() => undefined);
    if (this.root) {
      await fsp.rm(this.root, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
      noteDeletion();
    }
  }
}

/** process.env without undefined values. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}
