import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { codexDriver } from "../agents/codex/driver.js";
import { probeSandbox } from "../agents/codex/sandbox-probe.js";
import { normalizeLines } from "../agents/stream-file.js";
import { postMortemAudit } from "../audit/post-mortem.js";
import { loadSettings, type Settings } from "../config/settings.js";
import { RunSummary } from "../core/summary.js";
import { isTerminal } from "../core/types.js";
import { ScriptedModel } from "../e2e/scripted-model.js";
import { gitMaybe } from "../git/git.js";
import { listWorktrees } from "../git/worktree.js";
import { Tmux } from "../hosts/tmux/tmux.js";
import { TaskManager } from "../tasks/manager.js";
import { errorMessage } from "../util/errors.js";
import { which } from "../util/which.js";

export interface Check {
  readonly name: string;
  readonly status: "ok" | "warn" | "fail";
  readonly detail: string;
  readonly fix?: string;
}

/** The Codex CLI version this release is tested against (the devDependency). */
export const TESTED_CODEX = "0.169.0";

async function version(bin: string, args: string[]): Promise<string | undefined> {
  const r = await execa(bin, args, { reject: false, stdin: "ignore", timeout: 15_000 });
  return r.exitCode === 0 ? String(r.stdout).trim().split("\n")[0] : undefined;
}

/** Runs `codex exec --json` once against a scripted model: proves the binary works and that its events read as expected. */
async function codexRoundTrip(codex: string, env: NodeJS.ProcessEnv): Promise<string> {
  const model = await new ScriptedModel().start();
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-doctor-"));
  try {
    model.script("doctor", [{ sh: "echo doctor-command-ran" }, { say: "doctor round trip ok" }]);
    const home = await model.writeCodexHome(path.join(dir, "codex-home"));
    const r = await execa(
      codex,
      ["exec", "--json", "--skip-git-repo-check", "-C", dir, "-s", "read-only", "-"],
      {
        input: "[[script:doctor]]",
        env: { ...env, CODEX_HOME: home },
        reject: false,
        timeout: 60_000,
      },
    );
    const summary = new RunSummary();
    for (const e of normalizeLines(codexDriver, String(r.stdout).split("\n"), true)) summary.push(e);
    const s = summary.data();
    if (r.exitCode !== 0)
      throw new Error(
        `codex exec exited with ${r.exitCode}: ${String(r.stderr).trim().split("\n").slice(-2).join(" ")}`,
      );
    if (!s.sessionId || s.result !== "doctor round trip ok" || !s.usage || s.counts.commands < 1) {
      throw new Error(
        `codex exec --json printed events codexmcp does not understand (session ${s.sessionId}, message ${JSON.stringify(s.result)}, ${s.counts.commands} command(s))`,
      );
    }
    return `exec --json round trip: session, command, message and usage read (${s.counts.events} events)`;
  } finally {
    await model.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  }
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
  const orphans: string[] = [];
  for (const socket of sockets) {
    const tmux = new Tmux(settings.tmuxBin, socket || undefined);
    for (const name of await tmux.listSessions())
      if (name.startsWith("codex-") && !active.has(name))
        orphans.push(socket ? `${name} (socket ${socket})` : name);
  }
  checks.push(
    orphans.length > 0
      ? {
          name: "tmux sessions",
          status: "warn",
          detail: `codex-* sessions without a running task: ${orphans.join(", ")}`,
          fix: "codexmcp cleanup --all-finished, or tmux kill-session -t <name>",
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

/** Everything `codexmcp doctor` checks, in order; a failure of one does not stop the others. */
export async function runChecks(
  env: NodeJS.ProcessEnv,
  overrides: Parameters<typeof loadSettings>[1],
): Promise<Check[]> {
  const checks: Check[] = [];
  const major = Number(process.versions.node.split(".")[0]);
  checks.push(
    major >= 20
      ? { name: "node", status: "ok", detail: `v${process.versions.node}` }
      : {
          name: "node",
          status: "fail",
          detail: `v${process.versions.node}`,
          fix: "install Node.js 20 or newer",
        },
  );

  let settings: Settings;
  try {
    settings = await loadSettings(env, overrides);
    checks.push({ name: "config", status: "ok", detail: `state in ${settings.home}` });
  } catch (err) {
    checks.push({
      name: "config",
      status: "fail",
      detail: errorMessage(err),
      fix: "fix the file or variable named above",
    });
    settings = await loadSettings({
      ...env,
      CODEXMCP_HOME: path.join(os.tmpdir(), "codexmcp-doctor-defaults"),
    });
  }

  const git = which("git", env);
  checks.push(
    git
      ? { name: "git", status: "ok", detail: (await version(git, ["--version"])) ?? git }
      : {
          name: "git",
          status: "fail",
          detail: "not found on PATH",
          fix: "install git (full-access tasks need it for their worktrees)",
        },
  );

  const tmuxPath = which(settings.tmuxBin, env);
  if (!tmuxPath) {
    checks.push({
      name: "tmux",
      status: "fail",
      detail: `"${settings.tmuxBin}" not found`,
      fix: "install tmux (apt-get install tmux / brew install tmux); full-access tasks run in it",
    });
  } else {
    const v = (await version(tmuxPath, ["-V"])) ?? "?";
    const tmux = new Tmux(tmuxPath, settings.tmuxSocket);
    const r = await execa(tmuxPath, [...tmux.socketArgs(), "list-sessions"], {
      reject: false,
      stdin: "ignore",
    });
    const socketOk = r.exitCode === 0 || /no server running|error connecting/.test(String(r.stderr));
    const where = settings.tmuxSocket ? `socket ${settings.tmuxSocket}` : "default server";
    const old = /^tmux (\d+)/.exec(v)?.[1];
    if (!socketOk)
      checks.push({
        name: "tmux",
        status: "fail",
        detail: `${v}; ${where}: ${String(r.stderr).trim()}`,
        fix: "check the socket's permissions or CODEXMCP_TMUX_SOCKET",
      });
    else if (old && Number(old) < 3)
      checks.push({
        name: "tmux",
        status: "warn",
        detail: `${v} is older than 3.0`,
        fix: "upgrade tmux to 3.0 or newer",
      });
    else
      checks.push({
        name: "tmux",
        status: "ok",
        detail: `${v}; ${where} ${r.exitCode === 0 ? "reachable" : "(not running yet; starts with the first task)"}`,
      });
  }

  const codex = which(settings.codexBin, env);
  if (!codex) {
    checks.push({
      name: "codex",
      status: "fail",
      detail: `"${settings.codexBin}" not found`,
      fix: "npm install -g @openai/codex, or set CODEX_BIN",
    });
  } else {
    const v = (await version(codex, ["--version"])) ?? "unknown version";
    const tested = v.includes(TESTED_CODEX) ? "" : ` (this release is tested with ${TESTED_CODEX})`;
    try {
      checks.push({
        name: "codex",
        status: tested ? "warn" : "ok",
        detail: `${codex}: ${v}${tested}; ${await codexRoundTrip(codex, env)}`,
      });
    } catch (err) {
      checks.push({
        name: "codex",
        status: "fail",
        detail: `${codex}: ${v}: ${errorMessage(err)}`,
        fix: `install @openai/codex@${TESTED_CODEX}`,
      });
    }
    const probe = await probeSandbox(codex, env);
    if (probe.works)
      checks.push({
        name: "sandbox",
        status: "ok",
        detail: `Codex's sandbox works here (${probe.detail})${settings.readonlyFallback ? "; CODEXMCP_READONLY_FALLBACK is on but not needed" : ""}`,
      });
    else if (settings.readonlyFallback)
      checks.push({
        name: "sandbox",
        status: "ok",
        detail: `Codex's sandbox does not work here (${probe.detail}); read-only tasks use the audited fallback`,
      });
    else
      checks.push({
        name: "sandbox",
        status: "warn",
        detail: `Codex's sandbox does not work here (${probe.detail}); read-only tasks will fail`,
        fix: "set CODEXMCP_READONLY_FALLBACK=1 (see README: read-only fallback)",
      });
  }

  try {
    const manager = new TaskManager(settings, env, { postMortemAudit });
    await manager.store.ensureHome();
    const probe = path.join(settings.home, `.doctor-${process.pid}`);
    await fsp.writeFile(probe, "ok");
    await fsp.rm(probe);
    checks.push({ name: "state", status: "ok", detail: `${settings.home} is writable` });
    checks.push(...(await staleState(settings, env)));
  } catch (err) {
    checks.push({
      name: "state",
      status: "fail",
      detail: errorMessage(err),
      fix: "make CODEXMCP_HOME writable or point it elsewhere",
    });
  }
  return checks;
}
