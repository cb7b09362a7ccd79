import type { TaskMeta } from "../core/types.js";
import type { HostResolver, TaskHost } from "./host.js";
import { LocalHosts } from "./local/local-hosts.js";
import { SshTaskHost } from "./ssh/ssh-host.js";
import { Tmux } from "./tmux/tmux.js";

/** Every kind of host a task can be on: this machine's tmux or detached process, or an ssh host. */
export class TaskHosts implements HostResolver {
  private readonly local: LocalHosts;
  readonly ssh: SshTaskHost;

  constructor(home: string, shown?: { bin: string; socket: string | undefined }) {
    this.local = new LocalHosts(shown ? new Tmux(shown.bin, shown.socket) : undefined);
    this.ssh = new SshTaskHost(home);
  }

  hostOf(meta: TaskMeta): TaskHost {
    return meta.host === "ssh" ? this.ssh : this.local.hostOf(meta);
  }
}
