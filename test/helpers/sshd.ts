import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, promises as fsp, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { agentBinPath } from "./agents.js";
import { TEST_ROOT, testDir } from "./paths.js";
import { ROOT } from "./sandbox.js";

/**
 * A real remote host on this machine: a throwaway Unix user with an ed25519 key, its own sshd on
 * 127.0.0.1 (own config, host key and pid file; stopped by that pid), the built codexmcp and the
 * pinned Codex CLI copied where that user can run them (it cannot read /work or /root), and an
 * ssh client config that reaches it. The user and everything it ran go away in `destroy()`.
 */

const SSHD = "/usr/sbin/sshd";

function run(cmd: string, args: readonly string[], opts: { input?: string } = {}): string {
  return execFileSync(cmd, [...args], {
    encoding: "utf8",
    stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    ...(opts.input === undefined ? {} : { input: opts.input }),
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

/** Whether this machine can run a test sshd (root, the openssh-server package). */
export function sshdAvailable(): boolean {
  return process.getuid?.() === 0 && existsSync(SSHD);
}

/**
 * A directory every user can read, under TEST_ROOT, filled once by `fill` (atomically: a
 * concurrent test either sees it complete or makes its own and loses the rename).
 */
async function sharedDir(name: string, fill: (dir: string) => Promise<void>): Promise<string> {
  const base = path.join(TEST_ROOT, "ssh-shared");
  await fsp.mkdir(base, { recursive: true, mode: 0o755 });
  await fsp.chmod(base, 0o755);
  const dir = path.join(base, name);
  if (existsSync(path.join(dir, ".complete"))) return dir;
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(3).toString("hex")}`;
  await fsp.mkdir(tmp, { mode: 0o755 });
  await fill(tmp);
  await fsp.writeFile(path.join(tmp, ".complete"), "");
  try {
    await fsp.rename(tmp, dir);
  } catch {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** The pinned Codex's package directory, hard-linked where any user can run it. */
export async function sharedCodex(): Promise<string> {
  const bin = agentBinPath("codex");
  // <cache>/@openai+codex@<v>/node_modules/.bin/codex
  const pkgRoot = path.resolve(path.dirname(bin), "../..");
  const dir = await sharedDir(`codex-${path.basename(pkgRoot)}`, async (tmp) => {
    run("cp", ["-al", path.join(pkgRoot, "node_modules"), path.join(tmp, "node_modules")]);
  });
  return path.join(dir, "node_modules/.bin/codex");
}

/** This checkout's built codexmcp (dist, package.json, node_modules), where any user can run it. */
export async function sharedCodexmcp(): Promise<string> {
  const stamp = readFileSync(path.join(ROOT, "dist/version.js"), "utf8");
  const built = (await fsp.stat(path.join(ROOT, "dist/bin/codexmcp.js"))).mtimeMs;
  const key = `codexmcp-${createHash("sha256").update(`${stamp}\0${built}\0${ROOT}`).digest("hex").slice(0, 16)}`;
  const dir = await sharedDir(key, async (tmp) => {
    run("cp", ["-a", path.join(ROOT, "dist"), path.join(tmp, "dist")]);
    run("cp", ["-a", path.join(ROOT, "package.json"), path.join(tmp, "package.json")]);
    run("cp", ["-al", path.join(ROOT, "node_modules"), path.join(tmp, "node_modules")]);
    run("chmod", ["-R", "a+rX", path.join(tmp, "dist"), tmp]);
  });
  return path.join(dir, "dist/bin/codexmcp.js");
}

export interface SshHostOptions {
  /** Write ~/.codex/config.toml for the user (the scripted model's Codex config). */
  readonly codexConfig?: (codexHome: string) => Promise<unknown>;
  /** Install the built codexmcp for the user (default true). */
  readonly codexmcp?: boolean;
}

export class SshHost {
  user = "";
  home = "";
  port = 0;
  /** Local files of this host: keys, sshd config, client config, pid file. */
  dir = "";
  /** The alias the client config names this host by. */
  alias = "";
  clientConfig = "";
  /** The remote command that runs codexmcp there (absolute: ssh's PATH is the system's). */
  codexmcpBin = "";
  codexBin = "";
  private pidFile = "";
  /**
   * Holds the port while sshd is down, closing every connection at once (ssh fails as with a
   * host that is down), so no other test's socket takes the port before sshd comes back.
   */
  private portHolder: net.Server | undefined;
  private sshdConfig = "";

  static async start(opts: SshHostOptions = {}): Promise<SshHost> {
    const h = new SshHost();
    h.dir = await testDir("sshd");
    await fsp.chmod(h.dir, 0o755);
    h.user = `cmx${randomBytes(4).toString("hex")}`;
    h.alias = `host-${h.user}`;
    await accountCommand("useradd", ["-m", "-s", "/bin/bash", h.user]);
    try {
      await h.setUp(opts);
    } catch (err) {
      await h.destroy();
      throw err;
    }
    return h;
  }

  private async setUp(opts: SshHostOptions): Promise<void> {
    // No password, but not locked: sshd (without PAM) refuses a locked account even with a key.
    await accountCommand("usermod", ["-p", "*", this.user]);
    this.home = run("getent", ["passwd", this.user]).split(":")[5] ?? `/home/${this.user}`;
    // The client's key, and the user's authorized_keys (0600 in a 0700 ~/.ssh).
    const key = path.join(this.dir, "id_ed25519");
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", this.user, "-f", key]);
    const ssh = path.join(this.home, ".ssh");
    await fsp.mkdir(ssh, { recursive: true, mode: 0o700 });
    await fsp.copyFile(`${key}.pub`, path.join(ssh, "authorized_keys"));
    await fsp.chmod(path.join(ssh, "authorized_keys"), 0o600);
    // The server: its own host key, config and pid file.
    const hostKey = path.join(this.dir, "ssh_host_ed25519_key");
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
    this.port = await freePort();
    this.pidFile = path.join(this.dir, "sshd.pid");
    this.sshdConfig = path.join(this.dir, "sshd_config");
    await fsp.writeFile(
      this.sshdConfig,
      [
        `Port ${this.port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${hostKey}`,
        `PidFile ${this.pidFile}`,
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "AuthorizedKeysFile .ssh/authorized_keys",
        `AllowUsers ${this.user}`,
        "UsePAM no",
        "PrintMotd no",
        "MaxSessions 64",
        "MaxStartups 64:30:128",
        "",
      ].join("\n"),
    );
    // The client: this host by alias, its key, its own known_hosts holding the host key.
    const known = path.join(this.dir, "known_hosts");
    const pub = readFileSync(`${hostKey}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
    await fsp.writeFile(known, `[127.0.0.1]:${this.port} ${pub}\n`);
    this.clientConfig = path.join(this.dir, "ssh_config");
    await fsp.writeFile(
      this.clientConfig,
      [
        `Host ${this.alias}`,
        "  HostName 127.0.0.1",
        `  Port ${this.port}`,
        `  User ${this.user}`,
        `  IdentityFile ${key}`,
        "  IdentitiesOnly yes",
        `  UserKnownHostsFile ${known}`,
        "  StrictHostKeyChecking yes",
        "  BatchMode yes",
        "  LogLevel ERROR",
        "",
      ].join("\n"),
    );
    if (opts.codexConfig) await opts.codexConfig(path.join(this.home, ".codex"));
    this.codexBin = await sharedCodex();
    if (opts.codexmcp !== false) this.codexmcpBin = await sharedCodexmcp();
    await fsp.mkdir(path.join(this.home, ".codexmcp"), { recursive: true, mode: 0o700 });
    await fsp.writeFile(path.join(this.home, ".codexmcp", "config.yaml"), `codex_bin: ${this.codexBin}\n`);
    run("chown", ["-R", `${this.user}:${this.user}`, this.home]);
    await this.startSshd();
  }

  /** argv options that make the system ssh reach this host by its alias. */
  get sshOptions(): string[] {
    return ["-F", this.clientConfig];
  }

  /** Starts (again) the host's sshd, on the same port, and waits until it takes connections. */
  async startSshd(): Promise<void> {
    await this.releasePort();
    await fsp.mkdir("/run/sshd", { recursive: true, mode: 0o755 });
    const child = spawn(SSHD, ["-D", "-e", "-f", this.sshdConfig], {
      stdio: ["ignore", "ignore", "ignore"],
      detached: true,
    });
    child.unref();
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        this.ssh(["true"]);
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`sshd on port ${this.port} did not come up: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Stops the host's sshd by its pid file, and its established connections. */
  async stopSshd(): Promise<void> {
    if (!existsSync(this.pidFile)) return;
    // A host that goes down takes its connections with it (the listener's children outlive it).
    this.cutConnections();
    const pid = Number(readFileSync(this.pidFile, "utf8").trim());
    if (pid > 0) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (!existsSync(this.pidFile) || !isRunning(pid)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await fsp.rm(this.pidFile, { force: true });
    const holder = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => {
      // Taken already (sshd's listener not quite gone): then nothing holds it, as before.
      holder.once("error", () => resolve());
      holder.listen(this.port, "127.0.0.1", () => {
        this.portHolder = holder;
        resolve();
      });
    });
  }

  private async releasePort(): Promise<void> {
    const holder = this.portHolder;
    this.portHolder = undefined;
    if (holder) await new Promise((resolve) => holder.close(resolve));
  }

  /**
   * Cuts every established connection (each is a child sshd of the listener), as a network
   * fault would; the listener keeps taking new ones.
   */
  cutConnections(): number {
    if (!existsSync(this.pidFile)) return 0;
    const listener = Number(readFileSync(this.pidFile, "utf8").trim());
    let out = "";
    try {
      out = run("ps", ["-o", "pid=", "--ppid", String(listener)]);
    } catch {
      return 0;
    }
    const pids = out
      .split("\n")
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    return pids.length;
  }

  /** Commands of the user's live processes, but the sshd that serves its connections. */
  userCommands(): string[] {
    let out = "";
    try {
      out = run("ps", ["-u", this.user, "-o", "stat=,args="]);
    } catch {
      return [];
    }
    return out
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("Z"))
      .map((l) => l.replace(/^\S+\s+/, ""))
      .filter((cmd) => !cmd.startsWith("sshd:"));
  }

  /** Runs argv on the host as its user (a fresh connection each time), returns stdout. */
  ssh(argv: readonly string[], input?: string): string {
    return run(
      "ssh",
      [
        ...this.sshOptions,
        "-o",
        "ControlMaster=no",
        "-o",
        "ControlPath=none",
        this.alias,
        "--",
        ...argv.map(shellQuote),
      ],
      {
        ...(input === undefined ? {} : { input }),
      },
    );
  }

  /** The pids of every process the host's user runs (the test started all of them). */
  userPids(): number[] {
    let out = "";
    try {
      out = run("ps", ["-u", this.user, "-o", "pid=,stat="]);
    } catch {
      return [];
    }
    return out
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .filter(([pid, stat]) => pid && stat && !stat.startsWith("Z"))
      .map(([pid]) => Number(pid));
  }

  /** Stops sshd, every process of the user (by pid), and removes the user and its home. */
  async destroy(): Promise<void> {
    await this.stopSshd().catch(() => undefined);
    await this.releasePort();
    for (let round = 0; round < 3; round++) {
      const pids = this.userPids();
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, round === 0 ? "SIGTERM" : "SIGKILL");
        } catch {
          // gone
        }
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    await accountCommand("userdel", ["-r", "-f", this.user]).catch(() => undefined);
    // userdel -r may complain (a missing mail spool) and still have removed the user: check.
    if (userExists(this.user))
      throw new Error(`the test host's user ${this.user} could not be removed (userdel -r -f ${this.user})`);
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}

function userExists(user: string): boolean {
  try {
    run("getent", ["passwd", user]);
    return true;
  } catch {
    return false;
  }
}

/**
 * useradd, usermod and userdel lock /etc/passwd; test files running side by side may find it
 * held ("cannot lock /etc/passwd; try again later"): try again, for up to a minute.
 */
async function accountCommand(cmd: string, args: readonly string[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      run(cmd, args);
      return;
    } catch (err) {
      const said = String((err as { stderr?: string }).stderr ?? err);
      if (!/lock|try again/i.test(said) || attempt >= 240) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** ssh joins its remote argv into one shell line: quote each word. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The environment variables that travel to a test host (commits there get the tests' identity). */
export const TRAVELLING_IDENTITY = [
  "GIT_AUTHOR_NAME",
  "GIT_AUTHOR_EMAIL",
  "GIT_COMMITTER_NAME",
  "GIT_COMMITTER_EMAIL",
];

/** One `hosts:` entry of config.yaml (a YAML flow mapping) reaching `h` as `name`. */
export function hostEntry(h: SshHost, name: string, extra: Record<string, unknown> = {}): string {
  const entry = {
    name,
    ssh: h.alias,
    codexmcp: h.codexmcpBin,
    ssh_options: ["-F", h.clientConfig],
    env: TRAVELLING_IDENTITY,
    ...extra,
  };
  return `  - ${JSON.stringify(entry)}\n`;
}

/** The id a remote task has on its host (its placement record in the local store says). */
export function hostTaskId(stateHome: string, taskId: string): string {
  const meta = JSON.parse(readFileSync(path.join(stateHome, "tasks", taskId, "meta.json"), "utf8")) as {
    remote?: { task_id?: string };
  };
  const id = meta.remote?.task_id;
  if (!id) throw new Error(`${taskId} has no host task id in its placement record`);
  return id;
}
