import { existsSync, promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { HostConfig } from "../../config/schema.js";
import { PRIVATE_DIR_MODE } from "../../util/files.js";
import { withLock } from "../../util/lock.js";

/**
 * The system `ssh` binary, one shared connection per host (ControlMaster). The system client,
 * not a library: the user's ~/.ssh/config, agent, keys, ProxyJump, known_hosts and
 * ControlMaster settings all apply as they do in their own terminal, and nothing of ours stands
 * between them and OpenSSH. Every call is argv (ssh joins the remote words into one line for the
 * remote shell, so each word is quoted here); data travels on stdin, never in argv.
 */

export interface SshResult {
  readonly exitCode: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** ssh's own failures (it could not connect, authenticate or verify the host) exit 255. */
export const SSH_FAILED = 255;

export class SshUnreachable extends Error {
  constructor(
    readonly host: string,
    readonly why: string,
  ) {
    super(`host ${host} is unreachable over ssh: ${why}`);
  }
}

/** One word for the remote shell. `~/…` keeps its tilde outside the quotes so the shell expands it. */
export function remoteWord(word: string): string {
  if (word.startsWith("~/")) return `~/${remoteWord(word.slice(2))}`;
  return /^[A-Za-z0-9_./=:@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** `user@host:port` → ssh's own form (`-p port user@host`); an alias or user@host stays as it is. */
export function sshDestination(ssh: string): string[] {
  const m = /^([^@:]+@)?([^:@[\]]+):(\d{1,5})$/.exec(ssh);
  return m ? ["-p", m[3] as string, `${m[1] ?? ""}${m[2]}`] : [ssh];
}

/**
 * Where control sockets live: the state directory when the path is short enough for a Unix
 * socket (~107 bytes; %C expands to 40 hex digits), else a private directory under the OS temp dir.
 */
export function controlDir(home: string): string {
  const own = path.join(home, "ssh");
  if (Buffer.byteLength(own) + 42 < 100) return own;
  return path.join(os.tmpdir(), `codexmcp-ssh-${process.getuid?.() ?? "u"}`);
}

export class SshHostClient {
  private readonly controlPath: string;
  private master: Promise<void> | undefined;

  constructor(
    readonly host: HostConfig,
    private readonly home: string,
    private readonly sshBin = "ssh",
  ) {
    this.controlPath = path.join(controlDir(home), "%C");
  }

  /** Options every call carries: the user's, then the shared connection. */
  private baseOptions(): string[] {
    return [
      ...(this.host.ssh_options ?? []),
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=10",
      "-o",
      "ServerAliveInterval=10",
      "-o",
      "ServerAliveCountMax=3",
      "-o",
      `ControlPath=${this.controlPath}`,
    ];
  }

  /** The ssh argv that runs `remote` (words) on the host over the shared connection. */
  argv(remote: readonly string[], opts: { tty?: boolean } = {}): string[] {
    return [
      this.sshBin,
      ...(opts.tty ? ["-t"] : []),
      ...this.baseOptions(),
      "-o",
      "ControlMaster=no",
      ...sshDestination(this.host.ssh),
      "--",
      remote.map(remoteWord).join(" "),
    ];
  }

  /** What a person types to run `remote` on the host in a terminal (attach). */
  commandLine(remote: readonly string[]): string {
    // The remote words are names and task ids (no quoting needed there); each word is quoted
    // once for the person's own shell.
    return ["ssh", "-t", ...(this.host.ssh_options ?? []), ...sshDestination(this.host.ssh), "--", ...remote]
      .map(remoteWord)
      .join(" ");
  }

  /**
   * Starts the shared connection unless one is up: `ssh -f -N` with ControlPersist, so it
   * outlives this process for a while and every later call (any process) reuses it.
   */
  private ensureMaster(): Promise<void> {
    this.master ??= this.startMaster().finally(() => {
      this.master = undefined;
    });
    return this.master;
  }

  private async startMaster(): Promise<void> {
    const { execa } = await import("execa");
    const dir = path.dirname(this.controlPath);
    await fsp.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const check = () =>
      execa(this.sshBin, [...this.baseOptions(), "-O", "check", ...sshDestination(this.host.ssh)], {
        reject: false,
        stdin: "ignore",
        timeout: 10_000,
      });
    const lock = path.join(this.home, "locks", `ssh-${this.host.name}`);
    await withLock(
      lock,
      async () => {
        if ((await check()).exitCode === 0) return;
        // stdio ignored: the backgrounded master must not hold our pipes open.
        await execa(
          this.sshBin,
          [
            ...this.baseOptions(),
            "-o",
            "ControlMaster=yes",
            "-o",
            "ControlPersist=600",
            "-f",
            "-N",
            ...sshDestination(this.host.ssh),
          ],
          { reject: false, stdio: "ignore", timeout: 30_000 },
        );
      },
      { waitMs: 30_000, what: `the ssh connection to ${this.host.name}` },
    );
  }

  /**
   * Runs `remote` on the host with `input` on its stdin. A connection failure (ssh's 255) is an
   * SshUnreachable; the remote command's own exit code is returned.
   */
  async run(
    remote: readonly string[],
    opts: { input?: Buffer | string; timeoutMs?: number } = {},
  ): Promise<SshResult> {
    await this.ensureMaster().catch(() => undefined);
    const { execa } = await import("execa");
    const [bin = "ssh", ...args] = this.argv(remote);
    const r = await execa(bin, args, {
      reject: false,
      encoding: "buffer",
      stripFinalNewline: false,
      input: opts.input ?? "",
      timeout: opts.timeoutMs ?? 60_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    const stderr = Buffer.from(r.stderr ?? []).toString("utf8");
    if (r.exitCode === SSH_FAILED || r.exitCode === undefined || r.timedOut) {
      const why = r.timedOut ? "it did not answer in time" : lastLine(stderr) || `ssh exited ${r.exitCode}`;
      throw new SshUnreachable(this.host.name, why);
    }
    return { exitCode: r.exitCode ?? 1, stdout: Buffer.from(r.stdout ?? []), stderr };
  }

  /** Closes the shared connection (tests, and a host removed from the config). */
  async closeMaster(): Promise<void> {
    if (!existsSync(path.dirname(this.controlPath))) return;
    const { execa } = await import("execa");
    await execa(this.sshBin, [...this.baseOptions(), "-O", "exit", ...sshDestination(this.host.ssh)], {
      reject: false,
      stdin: "ignore",
      timeout: 10_000,
    });
  }
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split("\n")
      .filter((l) => l.trim())
      .pop() ?? ""
  ).trim();
}
