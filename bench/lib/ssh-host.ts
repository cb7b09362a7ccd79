import { randomBytes } from "node:crypto";
import { existsSync, promises as fsp, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { must, run, sleep } from "./exec.js";
import { CODEX_BIN, ROOT } from "./paths.js";

/**
 * A remote host on this machine for the remote benchmark (the tests' test/helpers/sshd.ts, cut
 * down): a throwaway user with a key, its own sshd on 127.0.0.1 (own config, host key and pid
 * file, stopped by that pid), this checkout's codexmcp and the pinned Codex copied where the user
 * can run them, an ssh client config that reaches it. `destroy()` removes all of it.
 */

const SSHD = "/usr/sbin/sshd";

/** Why this machine cannot run the host, or undefined when it can. */
export function sshHostUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (it creates a throwaway user and runs its own sshd)";
  if (!existsSync(SSHD)) return `${SSHD} is not installed (apt-get install openssh-server)`;
  return undefined;
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

/** useradd/usermod/userdel lock /etc/passwd, which something else may hold a moment: try again. */
async function accountCommand(cmd: string, args: readonly string[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const r = await run(cmd, args);
    if (r.code === 0) return;
    if (!/lock|try again/i.test(r.stderr) || attempt >= 240)
      throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.stderr.trim()}`);
    await sleep(250);
  }
}

export class BenchSshHost {
  user = "";
  home = "";
  alias = "";
  clientConfig = "";
  codexmcpBin = "";
  private pidFile = "";
  private shared = "";

  /** `dir`: a directory for the host's files, inside the benchmark's sandbox. */
  static async start(
    dir: string,
    writeCodexHome: (codexHome: string) => Promise<unknown>,
  ): Promise<BenchSshHost> {
    const h = new BenchSshHost();
    await fsp.mkdir(dir, { recursive: true });
    await fsp.chmod(dir, 0o755);
    h.user = `cmb${randomBytes(4).toString("hex")}`;
    h.alias = `bench-${h.user}`;
    try {
      await accountCommand("useradd", ["-m", "-s", "/bin/bash", h.user]);
      await accountCommand("usermod", ["-p", "*", h.user]);
      h.home = (await must("getent", ["passwd", h.user])).split(":")[5] ?? `/home/${h.user}`;
      const key = path.join(dir, "id_ed25519");
      await must("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", h.user, "-f", key]);
      await fsp.mkdir(path.join(h.home, ".ssh"), { recursive: true, mode: 0o700 });
      await fsp.copyFile(`${key}.pub`, path.join(h.home, ".ssh", "authorized_keys"));
      await fsp.chmod(path.join(h.home, ".ssh", "authorized_keys"), 0o600);
      const hostKey = path.join(dir, "ssh_host_ed25519_key");
      await must("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
      const port = await freePort();
      h.pidFile = path.join(dir, "sshd.pid");
      const sshdConfig = path.join(dir, "sshd_config");
      await fsp.writeFile(
        sshdConfig,
        [
          `Port ${port}`,
          "ListenAddress 127.0.0.1",
          `HostKey ${hostKey}`,
          `PidFile ${h.pidFile}`,
          "PasswordAuthentication no",
          "KbdInteractiveAuthentication no",
          "PubkeyAuthentication yes",
          `AllowUsers ${h.user}`,
          "UsePAM no",
          "PrintMotd no",
          "MaxSessions 64",
          "MaxStartups 64:30:128",
          "",
        ].join("\n"),
      );
      const known = path.join(dir, "known_hosts");
      const pub = readFileSync(`${hostKey}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
      await fsp.writeFile(known, `[127.0.0.1]:${port} ${pub}\n`);
      h.clientConfig = path.join(dir, "ssh_config");
      await fsp.writeFile(
        h.clientConfig,
        [
          `Host ${h.alias}`,
          "  HostName 127.0.0.1",
          `  Port ${port}`,
          `  User ${h.user}`,
          `  IdentityFile ${key}`,
          "  IdentitiesOnly yes",
          `  UserKnownHostsFile ${known}`,
          "  StrictHostKeyChecking yes",
          "  BatchMode yes",
          "  LogLevel ERROR",
          "",
        ].join("\n"),
      );
      // This checkout's codexmcp and the pinned Codex, where the user can read them (the
      // benchmark's sandbox is private to root): beside it, removed with the host.
      const shared = path.join(path.dirname(path.dirname(dir)), `bench-ssh-${h.user}`);
      h.shared = shared;
      await fsp.mkdir(shared, { mode: 0o755 });
      await fsp.chmod(shared, 0o755);
      await must("cp", ["-a", path.join(ROOT, "dist"), path.join(shared, "dist")]);
      await must("cp", ["-a", path.join(ROOT, "package.json"), path.join(shared, "package.json")]);
      await must("cp", ["-al", path.join(ROOT, "node_modules"), path.join(shared, "node_modules")]);
      const codexPkg = path.resolve(path.dirname(CODEX_BIN), "../..");
      await fsp.mkdir(path.join(shared, "codex"));
      await must("cp", [
        "-al",
        path.join(codexPkg, "node_modules"),
        path.join(shared, "codex", "node_modules"),
      ]);
      await must("chmod", ["-R", "a+rX", shared]);
      h.codexmcpBin = path.join(shared, "dist/bin/codexmcp.js");
      const codexBin = path.join(shared, "codex/node_modules/.bin/codex");
      await writeCodexHome(path.join(h.home, ".codex"));
      await fsp.mkdir(path.join(h.home, ".codexmcp"), { recursive: true, mode: 0o700 });
      await fsp.writeFile(path.join(h.home, ".codexmcp", "config.yaml"), `codex_bin: ${codexBin}\n`);
      await must("chown", ["-R", `${h.user}:${h.user}`, h.home]);
      const child = await import("node:child_process");
      child.spawn(SSHD, ["-D", "-e", "-f", sshdConfig], { stdio: "ignore", detached: true }).unref();
    } catch (err) {
      await h.destroy();
      throw err;
    }
    for (let i = 0; i < 150; i++) {
      const r = await run("ssh", ["-F", h.clientConfig, "-o", "ControlPath=none", h.alias, "true"]);
      if (r.code === 0) return h;
      await sleep(100);
    }
    await h.destroy();
    throw new Error(`the bench host's sshd did not come up`);
  }

  /** Stops sshd by its pid, every process of the user (by pid), then removes the user and its home. */
  async destroy(): Promise<void> {
    if (existsSync(this.pidFile)) {
      const pid = Number(readFileSync(this.pidFile, "utf8").trim());
      if (pid > 0) {
        for (const child of (await run("ps", ["-o", "pid=", "--ppid", String(pid)])).stdout.split("\n"))
          if (Number(child) > 0) process.kill(Number(child), "SIGKILL");
        process.kill(pid, "SIGTERM");
      }
    }
    for (let round = 0; round < 3; round++) {
      const pids = (await run("ps", ["-u", this.user, "-o", "pid="])).stdout
        .split("\n")
        .map((l) => Number(l.trim()))
        .filter((n) => n > 0);
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, round === 0 ? "SIGTERM" : "SIGKILL");
        } catch {
          // gone
        }
      }
      await sleep(300);
    }
    await accountCommand("userdel", ["-r", "-f", this.user]).catch(() => undefined);
    if ((await run("getent", ["passwd", this.user])).code === 0)
      console.error(`  the bench host's user ${this.user} could not be removed: userdel -r -f ${this.user}`);
    if (this.shared) await fsp.rm(this.shared, { recursive: true, force: true });
  }
}
