import { promises as fsp } from "node:fs";
import path from "node:path";
import { buildCodexArgs, type CodexSandboxMode } from "../agents/codex/argv.js";
import { READONLY_CONSTRAINT } from "../audit/fallback.js";
import { loadRepoConfig, worktreeParent } from "../config/repo-config.js";
import type { RepoConfig } from "../config/schema.js";
import type { Settings } from "../config/settings.js";
import type { Sandbox } from "../config/values.js";
import type { TaskStore } from "../core/store.js";
import { envSnapshot } from "../core/task-env.js";
import { newProcessTag } from "../core/task-tag.js";
import { DEFAULT_TOPIC_TYPES, parseTopic, type Topic } from "../core/topic.js";
import { isTerminal, type TaskMeta } from "../core/types.js";
import { copyUntracked } from "../git/copy-untracked.js";
import { ensureExcluded } from "../git/exclude.js";
import { git } from "../git/git.js";
import { insideGitDir, type RepoInfo, repoInfo } from "../git/repo.js";
import { canonicalPath, ensureWorktree, rollbackWorktree, type WorktreeReady } from "../git/worktree.js";
import type { Tmux } from "../hosts/tmux/tmux.js";
import { errorMessage, hasErrorCode, UserError } from "../util/errors.js";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, writeJsonAtomic } from "../util/files.js";
import { withLock } from "../util/lock.js";
import { log } from "../util/log.js";
import { nowIso } from "../util/time.js";
import { which } from "../util/which.js";
import { dirLockPath, REPO_LOCK_WAIT, repoLockPath } from "./locks.js";
import { observeTask } from "./observe.js";
import { scheduleTask } from "./scheduler.js";
import { activeTasksIn } from "./worktree-users.js";

export interface TaskRequest {
  readonly prompt: string;
  readonly cwd: string;
  readonly topic: string;
  readonly sandbox: Sandbox;
  readonly session_id?: string | undefined;
  readonly model?: string | undefined;
  readonly profile?: string | undefined;
  readonly reasoning_effort?: string | undefined;
  readonly timeout_seconds?: number | undefined;
}

export interface DispatchContext {
  readonly settings: Settings;
  readonly store: TaskStore;
  readonly tmux: Tmux;
  readonly env: NodeJS.ProcessEnv;
}

interface Plan {
  readonly topic: Topic;
  readonly request: TaskRequest;
  readonly cwd: string;
  /** `.codexmcp.yaml` over the user's defaults. */
  readonly config: RepoConfig;
  readonly codexBin: string;
  readonly tmuxBin: string | null;
  readonly codexSandbox: CodexSandboxMode;
  readonly readonlyFallback: boolean;
  readonly host: "tmux" | "process";
  /** The repository around cwd (null outside git). */
  readonly repo: RepoInfo | null;
  /** Set for worktree tasks. */
  readonly worktreeDir: string | null;
  readonly branch: string | null;
  /** Tasks that write hold this lock while they claim their directory, and own it exclusively. */
  readonly exclusive: { readonly lock: string; readonly dir: string } | null;
  readonly ranInPlace: boolean;
  readonly note: string | null;
}

const WRITE_SANDBOXES: readonly Sandbox[] = ["full-access", "workspace-write"];
const CODEX_INPUT_FILE = "codex-input.md";

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

/** Validation and placement: everything that can be refused is refused here, before anything is made. */
async function plan(ctx: DispatchContext, request: TaskRequest): Promise<Plan> {
  const { settings, env } = ctx;
  const cwd = await checkCwd(request.cwd);
  const hasGit = which("git", env) !== undefined;
  const repo = hasGit ? await repoInfo(cwd) : null;
  // Only asked when cwd is not in a work tree (free for the usual case).
  const gitDirKind = hasGit && !repo ? await insideGitDir(cwd) : null;
  if (gitDirKind) {
    throw new UserError(
      `cwd ${cwd} is ${gitDirKind === "bare repository" ? "a bare git repository" : "inside a .git directory"}, not a working tree: a task there would work on git's own files. Pass the project's working tree (the directory that contains .git) instead.`,
    );
  }
  const top = repo ? await canonicalPath(repo.toplevel) : cwd;
  const config = await loadRepoConfig(top, settings.repoDefaults);
  const topic = parseTopic(request.topic, config.topic_types ?? settings.topicTypes ?? DEFAULT_TOPIC_TYPES);
  const codexBin = requireBinary(
    settings.codexBin,
    env,
    `The Codex CLI was not found (looked for "${settings.codexBin}"); install it with \`npm install -g @openai/codex\` or set CODEX_BIN to its path.`,
  );
  const base = { topic, request, cwd, config, codexBin, repo };
  if (!WRITE_SANDBOXES.includes(request.sandbox)) {
    const fallback = settings.readonlyFallback;
    return {
      ...base,
      tmuxBin: null,
      codexSandbox: fallback ? "danger-full-access" : "read-only",
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
  const codexSandbox: CodexSandboxMode =
    request.sandbox === "workspace-write" ? "workspace-write" : "danger-full-access";
  const write = { ...base, tmuxBin, codexSandbox, readonlyFallback: false, host: "tmux" as const };
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
  const worktreeDir = path.join(
    worktreeParent(top, config.worktree?.root),
    `${path.basename(top)}-agent-${topic.stem}`,
  );
  return {
    ...write,
    worktreeDir,
    branch: `agent/${topic.stem}`,
    exclusive: { lock: repoLockPath(ctx.store, repo.commonDir), dir: worktreeDir },
    ranInPlace: false,
    note: null,
  };
}

async function makeTaskLink(cwd: string, topic: string, taskDir: string, inRepo: boolean): Promise<void> {
  const linkDir = path.join(cwd, ".codex-tasks");
  const link = path.join(linkDir, topic);
  try {
    if (inRepo) await ensureExcluded(cwd, ".codex-tasks/");
    await fsp.mkdir(linkDir, { recursive: true });
    await fsp.rm(link, { force: true });
    await fsp.symlink(taskDir, link, "dir");
  } catch (err) {
    log.warn(`could not create ${link}: ${errorMessage(err)}`);
  }
}

/**
 * Dispatches a task: validates, claims the task id, prepares the worktree, writes the task's
 * files and starts its runner (or queues it). On any failure everything made so far is undone
 * and an earlier run of the topic is put back.
 */
export async function dispatchTask(ctx: DispatchContext, request: TaskRequest): Promise<TaskMeta> {
  const p = await plan(ctx, request);
  await ctx.store.ensureHome();
  const claim = () => ctx.store.lockTask(p.topic.taskId, () => claimAndLaunch(ctx, p));
  if (!p.exclusive) return claim();
  const { lock, dir } = p.exclusive;
  return withLock(
    lock,
    async () => {
      const [user] = await activeTasksIn(ctx.store, ctx.tmux, dir, p.topic.taskId);
      if (user) {
        throw new UserError(
          `${dir} is in use by the running task ${user.meta.task_id}; two tasks never share a worktree. Wait for it (codex_status) or cancel it (codex_cancel), or pick a different topic.`,
        );
      }
      return claim();
    },
    REPO_LOCK_WAIT,
  );
}

async function claimAndLaunch(ctx: DispatchContext, p: Plan): Promise<TaskMeta> {
  const { store, settings } = ctx;
  const { taskId } = p.topic;
  const existing = await observeTask(store, taskId, ctx.tmux);
  if (existing && !isTerminal(existing.status)) {
    throw new UserError(
      `Task ${taskId} is still ${existing.status}; wait for it (codex_status / codex_wait) or cancel it (codex_cancel) before starting it again, or use the next version (${p.topic.stem}-v${p.topic.version + 1}).`,
    );
  }
  const archived = existing ? await store.archiveRun(taskId) : undefined;
  const taskDir = store.layout.taskDir(taskId);
  let worktree: WorktreeReady | undefined;
  let launched = false;
  try {
    await fsp.mkdir(taskDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    await store.reserveOutcome(taskId);
    const r = p.request;
    const { config } = p;
    let runDir = p.cwd;
    let copied: string[] = [];
    let writableDirs: string[] = [];
    if (p.repo && p.worktreeDir && p.branch) {
      worktree = await ensureWorktree({ repo: p.repo, dir: p.worktreeDir, branch: p.branch });
      runDir = path.join(worktree.dir, p.repo.subdir);
      await fsp.mkdir(runDir, { recursive: true });
      copied = await copyUntracked(p.repo.toplevel, worktree.dir, config.worktree?.copy ?? []);
      if (p.codexSandbox === "workspace-write") {
        // Codex's workspace-write sandbox keeps .git read-only; a worktree's git dirs live
        // outside it anyway. Both must be writable for `git add`/`git commit` to work.
        const gitDir = (await git(worktree.dir, ["rev-parse", "--absolute-git-dir"])).trim();
        writableDirs = [...new Set([gitDir, p.repo.commonDir])];
      }
    }
    const setupOn = config.worktree?.setup_on ?? "create";
    const setup =
      worktree && (worktree.createdWorktree || setupOn === "always") ? (config.worktree?.setup ?? []) : [];
    const model = r.model ?? config.model ?? settings.model;
    const profile = r.profile ?? config.profile ?? settings.profile;
    const effort = r.reasoning_effort ?? config.reasoning_effort ?? settings.reasoningEffort;
    const meta: TaskMeta = {
      schema: 1,
      task_id: taskId,
      topic: p.topic.topic,
      topic_type: p.topic.type,
      topic_stem: p.topic.stem,
      sandbox: r.sandbox,
      codex_sandbox: p.codexSandbox,
      readonly_fallback: p.readonlyFallback,
      ...(p.readonlyFallback
        ? { readonly_fallback_restore: settings.readonlyFallbackRestore, codex_input: CODEX_INPUT_FILE }
        : {}),
      cwd: p.cwd,
      run_dir: runDir,
      host: p.host,
      tmux_session: p.host === "tmux" ? taskId : null,
      tmux_socket: p.host === "tmux" ? (settings.tmuxSocket ?? null) : null,
      ...(p.tmuxBin ? { tmux_bin: p.tmuxBin } : {}),
      git:
        worktree && p.repo
          ? {
              repo_root: p.repo.toplevel,
              worktree_dir: worktree.dir,
              agent_branch: worktree.branch,
              base_branch: p.repo.branch,
              base_commit: worktree.baseCommit,
            }
          : null,
      ran_in_place: p.ranInPlace,
      note:
        worktree?.kept && worktree.kept.length > 0
          ? `The worktree ${worktree.dir} had been deleted by hand and was made again; commits only it still held are kept at ${worktree.kept.join(", ")}.`
          : p.note,
      resume_session_id: r.session_id ?? null,
      model: model ?? null,
      profile: profile ?? null,
      reasoning_effort: effort ?? null,
      timeout_seconds: r.timeout_seconds ?? config.timeout ?? settings.taskTimeoutSeconds,
      codex_bin: p.codexBin,
      codex_args: buildCodexArgs({
        runDir,
        sandbox: p.codexSandbox,
        model,
        profile,
        reasoningEffort: effort,
        resumeSessionId: r.session_id,
        writableDirs,
      }),
      setup,
      copied_files: copied,
      env_names: Object.keys(config.env ?? {}),
      port_range: config.ports ?? null,
      port: null,
      max_parallel: settings.maxParallel,
      process_tag: newProcessTag(taskId, store.layout.home),
      queued_at: null,
      starting_at: null,
      created_at: nowIso(),
      status: "starting",
      started_at: null,
      finished_at: null,
    };
    await fsp.writeFile(store.layout.file(taskId, "prompt"), r.prompt, { mode: PRIVATE_FILE_MODE });
    if (p.readonlyFallback) {
      await fsp.writeFile(path.join(taskDir, CODEX_INPUT_FILE), READONLY_CONSTRAINT + r.prompt, {
        mode: PRIVATE_FILE_MODE,
      });
    }
    // The server's environment plus the repository's `env`, for the runner to hand to codex.
    await writeJsonAtomic(store.layout.file(taskId, "env"), {
      ...envSnapshot(ctx.env),
      ...(config.env ?? {}),
    });
    await store.writeMeta(meta);
    await scheduleTask(store, meta, settings.maxParallel);
    launched = true;
    if (settings.taskLinks) await makeTaskLink(p.cwd, p.topic.topic, taskDir, p.repo !== null);
    return (await store.readMeta(taskId)) ?? meta;
  } catch (err) {
    if (launched) throw err;
    if (p.host === "tmux") await ctx.tmux.killSession(taskId).catch(() => undefined);
    if (worktree && p.repo) await rollbackWorktree(p.repo.toplevel, worktree).catch(() => undefined);
    if (archived) await store.restoreRun(taskId, archived).catch(() => undefined);
    else await fsp.rm(taskDir, { recursive: true, force: true }).catch(() => undefined);
    if (err instanceof UserError) throw err;
    if (hasErrorCode(err, "ENOSPC", "EACCES", "EROFS", "EDQUOT")) {
      throw new UserError(
        `Cannot write the task store at ${store.layout.home} (${errorMessage(err)}); free disk space or fix permissions, then dispatch again.`,
      );
    }
    throw new UserError(`Could not start task ${taskId}: ${errorMessage(err)}`);
  }
}
