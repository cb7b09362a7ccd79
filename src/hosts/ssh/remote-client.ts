import type { HostConfig } from "../../config/schema.js";
import { UserError } from "../../util/errors.js";
import { VERSION } from "../../version.js";
import { frame, type HelloReply, REMOTE_PROTOCOL, type RemoteVerb, unframe } from "./protocol.js";
import { SshHostClient } from "./ssh.js";

/** The remote codexmcp a host runs: `codexmcp remote <verb>` over the shared ssh connection. */
export class RemoteCodexmcp {
  readonly ssh: SshHostClient;

  constructor(
    readonly host: HostConfig,
    home: string,
  ) {
    this.ssh = new SshHostClient(host, home);
  }

  get command(): string {
    return this.host.codexmcp ?? "codexmcp";
  }

  /**
   * One request: `header` (and `body`) on stdin, the JSON answer (and the bytes after it).
   * A refusal there is a UserError with its sentence; a missing codexmcp says how to install it.
   */
  async call<T>(
    verb: RemoteVerb,
    header: unknown,
    opts: { body?: Buffer; timeoutMs?: number } = {},
  ): Promise<{ header: T; body: Buffer }> {
    const r = await this.ssh.run([this.command, "remote", verb], {
      input: verb === "hello" ? "" : frame(header, opts.body),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
    let parsed: { header: T & { error?: string }; body: Buffer } | undefined;
    try {
      parsed = unframe<T & { error?: string }>(r.stdout);
    } catch {
      parsed = undefined;
    }
    if (r.exitCode === 0 && parsed && parsed.header.error === undefined) return parsed;
    if (parsed?.header.error !== undefined) {
      throw new UserError(`Host ${this.host.name}: ${parsed.header.error}`);
    }
    const said = r.stderr.trim().split("\n").slice(-2).join(" ").trim();
    if (r.exitCode === 127 || /not found|No such file/i.test(said)) {
      throw new UserError(
        `Host ${this.host.name} has no codexmcp at "${this.command}" (its shell said: ${said || `exit ${r.exitCode}`}); install it there (npm install -g codexmcp@${VERSION}) or set codexmcp: <path> for host ${this.host.name} in config.yaml.`,
      );
    }
    if (/unknown command "remote"/.test(said)) {
      throw new UserError(
        `Host ${this.host.name} runs a codexmcp without remote hosts; install codexmcp@${VERSION} there (npm install -g codexmcp@${VERSION}).`,
      );
    }
    throw new UserError(
      `Host ${this.host.name}: "${this.command} remote ${verb}" failed (exit ${r.exitCode}${said ? `: ${said}` : ""}); check it there with: ssh ${this.host.ssh} ${this.command} --version`,
    );
  }

  /** The host's codexmcp, checked to be this version (both sides speak the same protocol). */
  async hello(): Promise<HelloReply> {
    const { header } = await this.call<HelloReply>("hello", {}, { timeoutMs: 30_000 });
    if (header.codexmcp !== VERSION || header.protocol !== REMOTE_PROTOCOL) {
      throw new UserError(
        `Host ${this.host.name} runs codexmcp ${String(header.codexmcp)}, this server runs ${VERSION}: both sides must run the same version. Install it there (npm install -g codexmcp@${VERSION}) and try again.`,
      );
    }
    return header;
  }
}
