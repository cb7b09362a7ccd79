import type { HostConfig } from "../../config/schema.js";
import type { TaskStore } from "../../core/store.js";
import type { RemotePlacement, RunnerRecord, TaskMeta } from "../../core/types.js";
import type { TaskHost } from "../host.js";
import { RemoteCodexmcp } from "./remote-client.js";

/** The host config a remote task was placed with (recorded in its meta.json). */
export function placementHost(remote: RemotePlacement): HostConfig {
  return {
    name: remote.host,
    ssh: remote.ssh,
    ssh_options: [...remote.ssh_options],
    codexmcp: remote.codexmcp,
  };
}

/**
 * A task on another machine. Its runner, tmux session and queue are that machine's own (its
 * codexmcp dispatched it); this side mirrors its files and brings its outcome back
 * (lifecycle/remote-observe.ts), so there is nothing here to launch or close.
 */
export class SshTaskHost implements TaskHost {
  readonly kind = "ssh" as const;

  constructor(private readonly home: string) {}

  client(meta: TaskMeta): RemoteCodexmcp {
    if (!meta.remote) throw new Error(`task ${meta.task_id} has no remote placement`);
    return new RemoteCodexmcp(placementHost(meta.remote), this.home);
  }

  async launch(_store: TaskStore, meta: TaskMeta): Promise<RunnerRecord> {
    throw new Error(`task ${meta.task_id} runs on host ${meta.remote?.host}: its host starts it`);
  }

  async close(): Promise<boolean> {
    return false;
  }

  async hasSession(): Promise<boolean> {
    return false;
  }

  attachCommand(meta: TaskMeta): string | undefined {
    const attach = meta.remote?.attach;
    return attach && attach.length > 0 ? this.client(meta).ssh.commandLine(attach) : undefined;
  }
}
