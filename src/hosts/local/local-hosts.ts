import type { TaskStore } from "../../core/store.js";
import type { RunnerRecord, TaskMeta } from "../../core/types.js";
import type { HostResolver, TaskHost } from "../host.js";
import { Tmux } from "../tmux/tmux.js";
import { launchRunner } from "./launch.js";
import type { StandbyRunners } from "./standby.js";

/** The tmux server a task's session lives on (the one recorded at dispatch). */
export function tmuxOf(meta: TaskMeta): Tmux | undefined {
  return meta.host === "tmux" ? new Tmux(meta.tmux_bin ?? "tmux", meta.tmux_socket ?? undefined) : undefined;
}

/** This machine: write tasks in tmux sessions, read-only tasks as detached processes. */
export class LocalHost implements TaskHost {
  constructor(
    readonly kind: TaskMeta["host"],
    /** The task's own tmux server (tmux tasks). */
    private readonly tmux: Tmux | undefined,
    /** The server's configured tmux, whose name attach commands print. */
    private readonly shown: Tmux | undefined,
    /** A runner kept ready for detached tasks (servers only). */
    private readonly standby?: StandbyRunners,
  ) {}

  launch(store: TaskStore, meta: TaskMeta): Promise<RunnerRecord> {
    return launchRunner(store, meta, this.tmux, this.standby);
  }

  async close(meta: TaskMeta): Promise<boolean> {
    if (!this.tmux || !meta.tmux_session) return false;
    return this.tmux.killSession(meta.tmux_session);
  }

  async hasSession(meta: TaskMeta): Promise<boolean> {
    if (!this.tmux || !meta.tmux_session) return false;
    return this.tmux.hasSession(meta.tmux_session);
  }

  attachCommand(meta: TaskMeta): string | undefined {
    const tmux = this.shown ?? this.tmux;
    return meta.tmux_session && tmux ? tmux.attachCommand(meta.tmux_session) : undefined;
  }
}

/**
 * Resolves a task's local host. `configured` is the server's own tmux (bin and socket of its
 * settings), whose name attach commands print; without it they name the task's own.
 */
export class LocalHosts implements HostResolver {
  constructor(
    readonly shown?: Tmux,
    private readonly standby?: StandbyRunners,
  ) {}

  /** With the server's configured tmux binary and socket (`CODEXMCP_TMUX_BIN`, `--tmux-socket`). */
  static configured(bin: string, socket: string | undefined): LocalHosts {
    return new LocalHosts(new Tmux(bin, socket));
  }

  hostOf(meta: TaskMeta): TaskHost {
    return new LocalHost(meta.host, tmuxOf(meta), this.shown, this.standby);
  }
}
