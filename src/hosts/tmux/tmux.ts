import { capture } from "../../proc/capture.js";
import { sleep } from "../../util/time.js";

/** A tmux client that found the server shutting down (its last session just ended): worth a retry. */
const SERVER_GOING_AWAY =
  /server exited unexpectedly|lost server|no server running|error connecting|server not found/i;

/**
 * tmux on one server: the user's default server, or a named (-L) or path (-S) socket.
 * Targets use the `=name` form: plain `-t codex-x-v1` would also match `codex-x-v10`.
 */
export class Tmux {
  constructor(
    readonly bin: string,
    readonly socket: string | undefined,
  ) {}

  socketArgs(): string[] {
    if (!this.socket) return [];
    return this.socket.includes("/") ? ["-S", this.socket] : ["-L", this.socket];
  }

  private run(args: readonly string[]) {
    return capture(this.bin, [...this.socketArgs(), ...args], { timeoutMs: 15_000 });
  }

  /** Starts a detached session running `command` (argv, no shell) in `cwd`; returns the pane's pid. */
  async newSession(name: string, cwd: string, command: readonly string[]): Promise<number> {
    const args = [
      "new-session",
      "-d",
      "-s",
      name,
      "-c",
      cwd,
      "-x",
      "200",
      "-y",
      "50",
      "-P",
      "-F",
      "#{pane_pid}",
      "--",
      ...command,
    ];
    for (let attempt = 0; ; attempt++) {
      const r = await this.run(args);
      const pid = Number(r.stdout.trim());
      if (r.exitCode === 0 && Number.isInteger(pid) && pid > 0) return pid;
      const why = (r.stderr || r.stdout).trim();
      if (attempt < 4 && SERVER_GOING_AWAY.test(why)) {
        await sleep(50 * (attempt + 1));
        continue;
      }
      throw new Error(`tmux new-session failed: ${why || `exit ${r.exitCode}`}`);
    }
  }

  async hasSession(name: string): Promise<boolean> {
    return (await this.run(["has-session", "-t", `=${name}`])).exitCode === 0;
  }

  async killSession(name: string): Promise<boolean> {
    return (await this.run(["kill-session", "-t", `=${name}`])).exitCode === 0;
  }

  async listSessions(): Promise<string[]> {
    const r = await this.run(["list-sessions", "-F", "#{session_name}"]);
    if (r.exitCode !== 0) return [];
    return r.stdout.split("\n").filter(Boolean);
  }

  async capturePane(name: string): Promise<string | undefined> {
    const r = await this.run(["capture-pane", "-p", "-t", `=${name}:`]);
    // Without the newline that ends the last row (as execa gave it).
    return r.exitCode === 0 ? r.stdout.replace(/\n$/, "") : undefined;
  }

  async version(): Promise<string | undefined> {
    const r = await capture(this.bin, ["-V"]);
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  }

  /** The path of this server's socket, as tmux computes it (TMUX_TMPDIR, then /tmp). */
  socketPath(env: NodeJS.ProcessEnv = process.env): string {
    if (this.socket?.includes("/")) return this.socket;
    const dir = `${env.TMUX_TMPDIR || "/tmp"}/tmux-${process.getuid?.() ?? 0}`;
    return `${dir}/${this.socket ?? "default"}`;
  }

  /** argv that shows the session in the tmux client this process runs inside (same server only). */
  switchArgv(name: string): string[] {
    return [this.bin === "tmux" ? "tmux" : this.bin, ...this.socketArgs(), "switch-client", "-t", name];
  }

  /** argv a person runs to watch the session. */
  attachArgv(name: string): string[] {
    return [this.bin === "tmux" ? "tmux" : this.bin, ...this.socketArgs(), "attach", "-t", name];
  }

  attachCommand(name: string): string {
    return this.attachArgv(name)
      .map((a) => (/^[A-Za-z0-9_./=:@%+-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`))
      .join(" ");
  }
}
