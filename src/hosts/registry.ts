import type { TaskMeta } from "../core/types.js";
import type { HostResolver, TaskHost } from "./host.js";
import { runnerScriptPath } from "./local/launch.js";
import { LocalHosts } from "./local/local-hosts.js";
import { StandbyRunners } from "./local/standby.js";
import { SshTaskHost } from "./ssh/ssh-host.js";
import { Tmux } from "./tmux/tmux.js";

/** Every kind of host a task can be on: this machine's tmux or detached process, or an ssh host. */
export class TaskHosts implements HostResolver {
  private readonly local: LocalHosts;
  readonly ssh: SshTaskHost;
  /** The runner kept ready for the next read-only task, on servers that keep one. */
  readonly standby: StandbyRunners | undefined;

  constructor(
    home: string,
    shown?: { bin: string; socket: string | undefined },
    opts: { standbyRunner?: boolean } = {},
  ) {
    this.standby = opts.standbyRunner ? new StandbyRunners(home, runnerScriptPath) : undefined;
    this.local = new LocalHosts(shown ? new Tmux(shown.bin, shown.socket) : undefined, this.standby);
    this.ssh = new SshTaskHost(home);
  }

  hostOf(meta: TaskMeta): TaskHost {
    return meta.host === "ssh" ? this.ssh : this.local.hostOf(meta);
  }
}
