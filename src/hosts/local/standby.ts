import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import path from "node:path";
import { isAlive, type ProcessIdentity, processIdentity } from "../../proc/liveness.js";
import { fileIdentity } from "../../util/file-identity.js";

/**
 * How long after a launch the next standby runner starts. Its Node start takes a core for a
 * fifth of a second; started at once it would compete with the agent the launch just started,
 * whose start-up is what the caller is waiting for. A task launched sooner starts cold, as it
 * would without a standby.
 */
const REFILL_DELAY_MS = 1000;

interface Ready {
  readonly child: ChildProcess;
  readonly identity: ProcessIdentity;
  readonly logFile: string;
  readonly script: string;
  /** The runner's code as the standby loaded it (util/file-identity.ts). */
  readonly code: string | undefined;
}

/**
 * One runner process kept ready for the next detached (read-only) task, so that task starts
 * without waiting for Node to start: the runner is still its own process, in its own session,
 * and outlives the server (runner/standby.ts is the other half). A server keeps at most one;
 * it ends when the server goes away (end of its stdin), or after ten idle minutes.
 * Full-access tasks do not use it: their runner is the process of a new tmux pane.
 */
export class StandbyRunners {
  private ready: Ready | undefined;
  private refillTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly home: string,
    private readonly runnerScript: () => string,
  ) {}

  /**
   * Hands the task to the ready standby runner and returns its pid, or undefined when none is
   * ready (the caller starts a runner cold). Either way another one is started for next time.
   */
  adopt(taskDir: string): number | undefined {
    const ready = this.ready;
    this.ready = undefined;
    this.refillSoon();
    const stdin = ready?.child.stdin;
    // A standby whose code was replaced since it started (an upgrade, a rebuild) would load
    // the rest of it lazily from files that are gone: start the task cold instead.
    const current = ready && fileIdentity(ready.script) === ready.code;
    if (!ready || !current || !stdin?.writable || !isAlive(ready.identity)) {
      if (ready) discard(ready);
      return undefined;
    }
    stdin.end(`${taskDir}\n`);
    return ready.identity.pid;
  }

  /** Starts a standby runner shortly, unless one is ready or starting. */
  refillSoon(): void {
    if (this.ready || this.refillTimer) return;
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      try {
        this.ready ??= this.start();
      } catch {
        // No standby this time: the next task starts cold, as without one.
      }
    }, REFILL_DELAY_MS);
    // A process about to exit starts no standby.
    this.refillTimer.unref();
  }

  /** Ends the ready standby (a server shutting down). */
  close(): void {
    if (this.refillTimer) clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    if (this.ready) discard(this.ready);
    this.ready = undefined;
  }

  private start(): Ready | undefined {
    const dir = path.join(this.home, "standby");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const logFile = path.join(dir, `runner-${process.pid}-${Date.now()}.log`);
    const script = this.runnerScript();
    const code = fileIdentity(script);
    const fd = openSync(logFile, "a", 0o600);
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [script, "--standby", this.home, logFile], {
        cwd: this.home,
        detached: true,
        stdio: ["pipe", fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    child.on("error", () => undefined);
    const identity = child.pid === undefined ? null : processIdentity(child.pid);
    if (!identity) {
      rmSync(logFile, { force: true });
      return undefined;
    }
    const ready: Ready = { child, identity, logFile, script, code };
    child.once("exit", () => {
      if (this.ready === ready) this.ready = undefined;
    });
    // Neither the standby nor its pipe keeps the server alive; the pipe's end at the server's
    // exit is what tells an unused standby to go.
    child.unref();
    (child.stdin as Socket | null)?.unref();
    return ready;
  }
}

function discard(ready: Ready): void {
  ready.child.stdin?.destroy();
  rmSync(ready.logFile, { force: true });
}
