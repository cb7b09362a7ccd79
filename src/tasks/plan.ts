import { promises as fsp } from "node:fs";
import path from "node:path";
import type { AgentDriver } from "../agents/agent.js";
import { loadDriver } from "../agents/registry.js";
import {
  type RepoConfigFile,
  readRepoConfig,
  resolveRepoConfig,
  worktreeParent,
} from "../config/repo-config.js";
import type { RepoConfig } from "../config/schema.js";
import type { Settings } from "../config/settings.js";
import { type TrustState, TrustStore } from "../config/trust.js";
import { agentBinEnvVar } from "../core/agent-names.js";
import { WRITE_SANDBOXES } from "../core/sandbox.js";
import { DEFAULT_TOPIC_TYPES, parseTopic, type Topic } from "../core/topic.js";
import { type DriverScan, driverScan } from "../git/git.js";
import { insideGitDir, type RepoInfo, repoInfo } from "../git/repo.js";
import { canonicalPath } from "../util/canonical-path.js";
import { UserError } from "../util/errors.js";
import { which } from "../util/which.js";
import { dirLockPath, worktreeLockPath } from "./locks.js";
import type { DispatchContext, TaskRequest } from "./request.js";

/** Where and how a dispatch will run: decided before anything is made. */
export interface Plan {
  readonly topic: Topic;
  readonly request: TaskRequest;
  readonly cwd: string;
  /** `.codexmcp.yaml` over the user's defaults. */
  readonly config: RepoConfig;
  readonly driver: AgentDriver;
  readonly agentBin: string;
  readonly tmuxBin: string | null;
  /** A read-only task the agent runs with write access, audited (no read-only mode it can use). */
  readonly readonlyFallback: boolean;
  readonly host: "tmux" | "process";
  /** The repository around cwd (null outside git). */
  readonly repo: RepoInfo | null;
  /**
   * Write tasks: the repository's drivers, scanned side by side with its facts (a new topic's
   * checkout needs them; reading them then would add a git process to the dispatch).
   */
  readonly driverScan?: Promise<DriverScan>;
  /** Set for worktree tasks. */
  readonly worktreeDir: string | null;
  readonly branch: string | null;
  /** Tasks that write hold this lock while they claim their directory, and own it exclusively. */
  readonly exclusive: { readonly lock: string; readonly dir: string } | null;
  readonly ranInPlace: boolean;
  readonly note: string | null;
}

async function checkCwd(cwd: string): Promise<string> {
  if (!path.isAbsolute(cwd)) {
    throw new UserError(
      `cwd must be an absolute path (got "${cwd}"); pass the full path of the project directory.`,
    );
  }
  if (cwd.split(/[\\/]/).includes("..")) {
    throw new UserError(
      `cwd must not contain ".." segments (got "${cwd}"); pass the resolved absolute path.`,
    );
  }
  let stat: Awaited<ReturnType<typeof fsp.stat>>;
  try {
    stat = await fsp.stat(cwd);
  } catch {
    throw new UserError(`cwd ${cwd} does not exist; pass an existing directory.`);
  }
  if (!stat.isDirectory()) throw new UserError(`cwd ${cwd} is not a directory; pass the project directory.`);
  return canonicalPath(cwd);
}

function requireBinary(name: string, env: NodeJS.ProcessEnv, hint: string): string {
  const found = which(name, env);
  if (!found) throw new UserError(hint);
  return found;
}

function binaryMissing(driver: AgentDriver, settings: Settings): string {
  const bin = settings.agentBins[driver.name];
  const install = driver.npmPackage
    ? `install it with \`npm install -g ${driver.npmPackage}\``
    : "install it (see the README's Agents section)";
  const variable = driver.name === "codex" ? "CODEX_BIN" : agentBinEnvVar(driver.name);
  return `The ${driver.label} CLI was not found (looked for "${bin}"); ${install} or set ${variable} to its path.`;
}

/**
 * A session id resumes the agent's own session: one that an earlier task got from another
 * agent, or that cannot be this agent's, is refused before anything starts.
 */
async function checkSessionId(ctx: DispatchContext, driver: AgentDriver, sessionId: string): Promise<void> {
  for (const id of await ctx.store.listIds()) {
    const result = await ctx.store.readResult(id).catch(() => undefined);
    if (result?.session_id !== sessionId) continue;
    const meta = await ctx.store.readMeta(id).catch(() => undefined);
    if (meta && meta.agent !== driver.name) {
      throw new UserError(
        `session_id ${sessionId} is a ${meta.agent} session (task ${id}); ${driver.label} cannot resume it. Pass agent: "${meta.agent}" to continue it, or leave session_id out to start a new ${driver.label} session.`,
      );
    }
    return;
  }
  if (!driver.isSessionId(sessionId)) {
    throw new UserError(
      `session_id ${sessionId} is not a ${driver.label} session id; pass the session_id an earlier ${driver.label} task returned, or leave it out to start a new session.`,
    );
  }
}

/**
 * Whether a person trusted the repository's config as it is: this machine's trust store, or, for
 * a host's task, the dispatching server vouching for exactly this content (its person trusted it
 * there; the host checks the bytes that arrived, never the claim alone).
 */
async function trustState(
  settings: Settings,
  request: TaskRequest,
  repoFile: RepoConfigFile,
): Promise<TrustState> {
  const own = await new TrustStore(settings.home).state(repoFile.file, repoFile.sha256);
  if (own.kind === "trusted" || !request.placed || request.vouched_config !== repoFile.sha256) return own;
  return {
    kind: "trusted",
    entry: { path: repoFile.file, sha256: repoFile.sha256, trusted_at: "by the dispatching server" },
  };
}

/** Validation and placement: everything that can be refused is refused here, before anything is made. */
export async function plan(ctx: DispatchContext, request: TaskRequest): Promise<Plan> {
  const { settings, env } = ctx;
  const cwd = await checkCwd(request.cwd);
  const hasGit = which("git", env) !== undefined;
  const scan = hasGit && WRITE_SANDBOXES.includes(request.sandbox) ? driverScan(cwd) : undefined;
  const repo = hasGit ? await repoInfo(cwd) : null;
  // Only asked when cwd is not in a work tree (free for the usual case).
  const gitDirKind = hasGit && !repo ? await insideGitDir(cwd) : null;
  if (gitDirKind) {
    throw new UserError(
      `cwd ${cwd} is ${gitDirKind === "bare repository" ? "a bare git repository" : "inside a .git directory"}, not a working tree: a task there would work on git's own files. Pass the project's working tree (the directory that contains .git) instead.`,
    );
  }
  const top = repo ? await canonicalPath(repo.toplevel) : cwd;
  const repoFile = await readRepoConfig(top);
  const config = resolveRepoConfig({
    defaults: settings.repoDefaults,
    repo: repoFile,
    trust: repoFile ? await trustState(settings, request, repoFile) : { kind: "untrusted" },
    write: WRITE_SANDBOXES.includes(request.sandbox),
    requested: { profile: request.profile, agent: request.agent },
    allowedEnv: settings.allowRepoEnv,
    home: settings.home,
    what: `this ${request.sandbox} task`,
    // A host's task: the person who can trust the file is at the machine that sent it.
    ...(request.placed
      ? {
          trustAdvice:
            "the server that sent this task did not vouch for exactly this content; trust the repository's .codexmcp.yaml on that machine (codexmcp trust <repository> there) and dispatch again",
        }
      : {}),
  });
  const topic = parseTopic(request.topic, config.topic_types ?? settings.topicTypes ?? DEFAULT_TOPIC_TYPES);
  const driver = await loadDriver(request.agent ?? config.agent ?? settings.defaultAgent);
  const agentBin = requireBinary(settings.agentBins[driver.name], env, binaryMissing(driver, settings));
  if (request.session_id) await checkSessionId(ctx, driver, request.session_id);
  const base = { topic, request, cwd, config, driver, agentBin, repo };
  if (!WRITE_SANDBOXES.includes(request.sandbox)) {
    // An agent without a read-only mode of its own, or Codex where its sandbox cannot work
    // here (CODEXMCP_READONLY_FALLBACK): run it with write access and audit what it did.
    const fallback =
      driver.readOnly === "none" || (driver.readOnly === "sandbox" && settings.readonlyFallback);
    return {
      ...base,
      tmuxBin: null,
      readonlyFallback: fallback,
      host: "process",
      worktreeDir: null,
      branch: null,
      exclusive: null,
      ranInPlace: false,
      note: null,
    };
  }
  const tmuxBin = requireBinary(
    settings.tmuxBin,
    env,
    `tmux was not found (looked for "${settings.tmuxBin}"); ${request.sandbox} tasks run in tmux: install tmux (e.g. apt-get install tmux / brew install tmux) or set CODEXMCP_TMUX_BIN.`,
  );
  requireBinary(
    "git",
    env,
    `git was not found on PATH; ${request.sandbox} tasks need git for their worktree. Install git and try again.`,
  );
  if (request.sandbox === "workspace-write" && !driver.workspaceWrite) {
    throw new UserError(
      `${driver.label} has no sandbox that confines writes to the worktree, so it cannot run workspace-write; use sandbox "full-access" (its own worktree, unsandboxed) or agent "codex".`,
    );
  }
  const write = { ...base, tmuxBin, readonlyFallback: false, host: "tmux" as const };
  if (!repo) {
    return {
      ...write,
      worktreeDir: null,
      branch: null,
      exclusive: { lock: dirLockPath(ctx.store, cwd), dir: cwd },
      ranInPlace: true,
      note: `${cwd} is not in a git repository, so the task ran in place, without a worktree: its changes are not isolated and no diff stats can be computed.`,
    };
  }
  // A host's remote dispatch placed cwd in the task's worktree already.
  const worktreeDir = request.placed
    ? top
    : path.join(worktreeParent(top, config.worktree?.root), `${path.basename(top)}-agent-${topic.stem}`);
  if ((await fsp.lstat(worktreeDir).catch(() => null))?.isSymbolicLink()) {
    throw new UserError(
      `${worktreeDir} is a symbolic link; codexmcp makes and uses worktrees only at real paths. Remove the link and dispatch again.`,
    );
  }
  return {
    ...write,
    ...(scan ? { driverScan: scan } : {}),
    worktreeDir,
    branch: `agent/${topic.stem}`,
    exclusive: { lock: worktreeLockPath(ctx.store, repo.commonDir, worktreeDir), dir: worktreeDir },
    ranInPlace: false,
    note: null,
  };
}
