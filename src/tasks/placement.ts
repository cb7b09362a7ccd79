import type { HostConfig } from "../config/schema.js";
import type { Settings } from "../config/settings.js";
import type { TaskStore } from "../core/store.js";
import { isTerminal } from "../core/types.js";
import { RemoteCodexmcp } from "../hosts/ssh/remote-client.js";
import { UserError } from "../util/errors.js";

/** How full a place is: its active tasks per slot (below 1: a slot is free). */
interface Candidate {
  readonly host: HostConfig | undefined;
  readonly fill: number;
  readonly loadPerCpu: number;
}

async function localCandidate(settings: Settings, store: TaskStore): Promise<Candidate> {
  const metas = await Promise.all(
    (await store.listIds()).map((id) => store.readMeta(id).catch(() => undefined)),
  );
  const active = metas.filter((m) => m && !isTerminal(m.status) && m.host !== "ssh").length;
  const os = await import("node:os");
  return {
    host: undefined,
    fill: active / settings.maxParallel,
    loadPerCpu: (os.loadavg()[0] ?? 0) / Math.max(1, os.cpus().length),
  };
}

/**
 * Where a task goes: undefined for this machine, else the configured host. `auto` asks every
 * configured host (at once) how many tasks it runs and picks the one with the most free room
 * (its `max_parallel`), then the least load per CPU; this machine counts too when
 * `auto_includes_local` is set. A host that does not answer is passed over.
 */
export async function chooseHost(
  settings: Settings,
  store: TaskStore,
  name: string | undefined,
): Promise<HostConfig | undefined> {
  if (name === undefined || name === "local") return undefined;
  const names = settings.hosts.map((h) => `"${h.name}"`).join(", ");
  if (settings.hosts.length === 0) {
    throw new UserError(
      `No remote hosts are configured, so host "${name}" cannot be used; add hosts under hosts: in $CODEXMCP_HOME/config.yaml (see the README's Remote hosts section), or leave host out to run here.`,
    );
  }
  if (name !== "auto") {
    const host = settings.hosts.find((h) => h.name === name);
    if (!host)
      throw new UserError(
        `Unknown host "${name}"; the configured hosts are ${names} (codexmcp hosts lists them), or use "local" or "auto".`,
      );
    return host;
  }
  const remote = await Promise.all(
    settings.hosts.map(async (host): Promise<Candidate | undefined> => {
      try {
        const hello = await new RemoteCodexmcp(host, settings.home).hello();
        const slots = host.max_parallel ?? hello.max_parallel;
        return {
          host,
          fill: (hello.running + hello.queued) / Math.max(1, slots),
          loadPerCpu: (hello.load[0] ?? 0) / Math.max(1, hello.cpus),
        };
      } catch {
        return undefined;
      }
    }),
  );
  const candidates = remote.filter((c): c is Candidate => c !== undefined);
  if (settings.autoIncludesLocal) candidates.push(await localCandidate(settings, store));
  if (candidates.length === 0) {
    throw new UserError(
      `host "auto" found no host that answers (${names}); codexmcp hosts shows why. Name a host, or leave host out to run here.`,
    );
  }
  candidates.sort((a, b) => a.fill - b.fill || a.loadPerCpu - b.loadPerCpu);
  return candidates[0]?.host;
}
