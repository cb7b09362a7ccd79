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
 * socket, else a private directory under the OS temp dir. A socket path holds at most 107 bytes,
 * and the master first listens on `<dir>/<%C: 40 hex digits>.<16 random characters>` before it
 * renames that into place: 58 bytes after the directory. (Too long, and the master cannot start;
 * every call then opens a connection of its own.)
 */
export function controlDir(home: string): string {
  const own = path.join(home, "ssh");
  if (Buffer.byteLength(own) + 58 <= 104) return own;
  return path.join(os.tmpdir(), `codexmcp-ssh-${process.getuid?.() ?? "u"}`);
}

/**
 * Makes the socket directory, or checks one that is there: a real directory of this user that
 * nobody else can enter. Under the OS temp dir someone else could have made it first, and a
 * socket of theirs there would see every request (prompts, travelling keys) sent over it.
 */
async function privateSocketDir(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const st = await fsp.lstat(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0)
    throw new Error(
      `${dir} is not a private directory of this user (a link, someone else's, or open to others); ssh connections are not shared until it is removed`,
    );
}

export class SshHostClient {
  private readonly controlPath: string;
  private master: Promise<void> | undefined;
  private socketDirOk: Promise<boolean> | undefined;

  constructor(
    readonly host: HostConfig,
    private readonly home: string,
    private readonly sshBin = "ssh",
  ) {
    this.controlPath = path.join(controlDir(home), "%C");
  }

  /** Options every call carries: the user's, then the shared connection (or none). */
  private baseOptions(shared = true): string[] {
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
      `ControlPath=${shared ? this.controlPath : "none"}`,
    ];
  }

  /**
   * The ssh argv that runs `remote` (words) on the host over the shared connection (`shared`:
   * false when its socket directory is not safe to use; see prepare()).
   */
  argv(remote: readonly string[], opts: { tty?: boolean; shared?: boolean } = {}): string[] {
    return [
      this.sshBin,
      ...(opts.tty ? ["-t"] : []),
      ...this.baseOptions(opts.shared ?? true),
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
   * Before a call: whether the shared connection may be used (its socket directory is this
   * user's alone), and if so, that it is up. A connection that cannot be shared still works:
   * each call then connects on its own.
   */
  async prepare(): Promise<boolean> {
    if (!(await this.socketDirUsable())) return false;
    await this.ensureMaster().catch(() => undefined);
    return true;
  }

  private socketDirUsable(): Promise<boolean> {
    this.socketDirOk ??= privateSocketDir(path.dirname(this.controlPath)).then(
      () => true,
      () => false,
    );
    return this.socketDirOk;
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
    const shared = await this.prepare();
    const { execa } = await import("execa");
    const [bin = "ssh", ...args] = this.argv(remote, { shared });
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
    if (!existsSync(path.dirname(this.controlPath)) || !(await this.socketDirUsable())) return;
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
