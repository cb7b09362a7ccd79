import { loadSettings, type SettingsOverrides } from "../../config/settings.js";
import { RemoteCodexmcp } from "../../hosts/ssh/remote-client.js";
import { SshUnreachable } from "../../hosts/ssh/ssh.js";
import { errorMessage } from "../../util/errors.js";
import { EXIT } from "../context.js";
import { colorEnabled, paint } from "../style.js";

export interface HostRow {
  name: string;
  ssh: string;
  reachable: boolean;
  version: string | null;
  load: number | null;
  cpus: number | null;
  running: number | null;
  queued: number | null;
  max_parallel: number | null;
  error: string | null;
}

/** Asks every configured host's codexmcp, at once, how it is. */
export async function hostRows(overrides: SettingsOverrides): Promise<HostRow[]> {
  const settings = await loadSettings(process.env, overrides);
  return Promise.all(
    settings.hosts.map(async (host): Promise<HostRow> => {
      const row: HostRow = {
        name: host.name,
        ssh: host.ssh,
        reachable: false,
        version: null,
        load: null,
        cpus: null,
        running: null,
        queued: null,
        max_parallel: host.max_parallel ?? null,
        error: null,
      };
      try {
        const hello = await new RemoteCodexmcp(host, settings.home).hello();
        return {
          ...row,
          reachable: true,
          version: hello.codexmcp,
          load: hello.load[0] ?? null,
          cpus: hello.cpus,
          running: hello.running,
          queued: hello.queued,
          max_parallel: host.max_parallel ?? hello.max_parallel,
        };
      } catch (err) {
        return { ...row, reachable: !(err instanceof SshUnreachable), error: errorMessage(err) };
      }
    }),
  );
}

/** `codexmcp hosts`: the configured remote hosts, reachable or not, with version, load and tasks. */
export async function hosts(overrides: SettingsOverrides, opts: { json: boolean }): Promise<number> {
  const rows = await hostRows(overrides);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else if (rows.length === 0) {
    process.stdout.write(
      "No remote hosts are configured; add them under hosts: in $CODEXMCP_HOME/config.yaml (see the README's Remote hosts section).\n",
    );
  } else {
    const p = paint(colorEnabled(process.stdout));
    for (const r of rows) {
      const state = r.error ? p.red(r.reachable ? "error" : "unreachable") : p.green("ok");
      const detail = r.error
        ? r.error
        : `codexmcp ${r.version}  load ${r.load?.toFixed(2)}/${r.cpus} cpus  running ${r.running}/${r.max_parallel}  queued ${r.queued}`;
      process.stdout.write(`${r.name.padEnd(14)} ${r.ssh.padEnd(24)} ${state}  ${detail}\n`);
    }
  }
  return rows.every((r) => !r.error) ? EXIT.ok : EXIT.failure;
}
