import { promises as fsp } from "node:fs";
import path from "node:path";
import { postMortemAudit } from "../../audit/post-mortem.js";
import type { Settings } from "../../config/settings.js";
import { isTerminal } from "../../core/types.js";
import { gitMaybe } from "../../git/git.js";
import { listWorktrees } from "../../git/worktree-list.js";
import { Tmux } from "../../hosts/tmux/tmux.js";
import { TaskManager } from "../../tasks/manager.js";
import { errorMessage } from "../../util/errors.js";
import type { Check, CheckSink } from "./types.js";

/** `tmux [-L name | -S path] kill-session -t =<name>`, as a person would type it. */
function killCommand(socket: string, name: string): string {
  const where = socket === "" ? "" : socket.includes("/") ? ` -S ${socket}` : ` -L ${socket}`;
  return `tmux${where} kill-session -t '=${name}'`;
}

async function staleState(settings: Settings, env: NodeJS.ProcessEnv): Promise<Check[]> {
  const manager = new TaskManager(settings, env, { postMortemAudit });
  const checks: Check[] = [];
  const all = await manager.list();
  const recovered = all.filter((o) => o.recovered);
  checks.push(
    recovered.length > 0
      ? {
          name: "tasks",
          status: "warn",
          detail: `${recovered.length} task(s) had lost their runner and are now recorded as failed: ${recovered.map((o) => o.meta.task_id).join(", ")}`,
        }
      : {
          name: "tasks",
          status: "ok",
          detail: `${all.length} task(s) in the store, ${all.filter((o) => !isTerminal(o.status)).length} active, none with a lost runner`,
        },
  );
  const active = new Set(all.filter((o) => !isTerminal(o.status)).map((o) => o.meta.task_id));
  const sockets = new Set(all.map((o) => o.meta.tmux_socket ?? ""));
  sockets.add(settings.tmuxSocket ?? "");
  const orphans: { socket: string; name: string }[] = [];
  for (const socket of sockets) {
    const tmux = new Tmux(settings.tmuxBin, socket || undefined);
    for (const name of await tmux.listSessions())
      if (name.startsWith("codex-") && !active.has(name)) orphans.push({ socket, name });
  }
  checks.push(
    orphans.length > 0
      ? {
          name: "tmux sessions",
          status: "warn",
          detail: `codex-* sessions without a running task: ${orphans.map((o) => (o.socket ? `${o.name} (socket ${o.socket})` : o.name)).join(", ")}`,
          fix: orphans.map((o) => killCommand(o.socket, o.name)).join("; "),
        }
      : { name: "tmux sessions", status: "ok", detail: "no codex-* session without a running task" },
  );
  const known = new Set(all.map((o) => o.meta.git?.worktree_dir).filter((d): d is string => !!d));
  const repos = new Set(all.map((o) => o.meta.git?.repo_root).filter((d): d is string => !!d));
  const strays: string[] = [];
  for (const repo of repos) {
    if (!(await gitMaybe(repo, ["rev-parse", "--git-dir"]))) continue;
    for (const wt of await listWorktrees(repo).catch(() => [])) {
      if (wt.prunable) strays.push(`${wt.dir} (missing; git worktree prune)`);
      else if (wt.branch?.startsWith("agent/") && !known.has(wt.dir)) strays.push(wt.dir);
    }
  }
  checks.push(
    strays.length > 0
      ? {
          name: "worktrees",
          status: "warn",
          detail: `agent worktrees no task knows: ${strays.join(", ")}`,
          fix: "review them, then git worktree remove <dir>",
        }
      : { name: "worktrees", status: "ok", detail: `${known.size} agent worktree(s), all known to tasks` },
  );
  return checks;
}

/** The state directory is writable, and nothing in it is stale. */
export async function stateChecks(
  settings: Settings,
  env: NodeJS.ProcessEnv,
  emit: CheckSink,
): Promise<void> {
  try {
    const manager = new TaskManager(settings, env, { postMortemAudit });
    await manager.store.ensureHome();
    const probe = path.join(settings.home, `.doctor-${process.pid}`);
    await fsp.writeFile(probe, "ok");
    await fsp.rm(probe);
    emit({ name: "state", status: "ok", detail: `${settings.home} is writable` });
    for (const check of await staleState(settings, env)) emit(check);
  } catch (err) {
    emit({
      name: "state",
      status: "fail",
      detail: errorMessage(err),
      fix: "make CODEXMCP_HOME writable or point it elsewhere",
    });
  }
}
