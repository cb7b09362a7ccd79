import { randomUUID } from "node:crypto";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { READONLY_CONSTRAINT } from "../core/readonly-constraint.js";
import { codexmcpSecrets, envSnapshot } from "../core/task-env.js";
import { newProcessTag } from "../core/task-tag.js";
import { isTerminal, type TaskMeta } from "../core/types.js";
import { commitWritableDirs } from "../git/commit-paths.js";
import { copyUntracked } from "../git/copy-untracked.js";
import { ensureWorktree, rollbackWorktree, type WorktreeReady } from "../git/worktree.js";
import { secureWorktreeAdmin } from "../git/worktree-admin.js";
import { observeTask } from "../lifecycle/observe.js";
import { scheduleTask } from "../lifecycle/scheduler.js";
import { errorMessage, hasErrorCode, UserError } from "../util/errors.js";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, writeJsonAtomic } from "../util/files.js";
import { withLock } from "../util/lock.js";
import { log } from "../util/log.js";
import { mkdirNoFollow } from "../util/no-follow.js";
import { Slots } from "../util/slots.js";
import { nowIso } from "../util/time.js";
import { REPO_LOCK_WAIT } from "./locks.js";
import { type Plan, plan } from "./plan.js";
import type { DispatchContext, TaskRequest } from "./request.js";
import { makeTaskLink, removeTaskLink } from "./task-link.js";
import { activeTasksIn } from "./worktree-users.js";

export type { DispatchContext, TaskRequest } from "./request.js";

const AGENT_INPUT_FILE = "agent-input.md";

/**
 * Checkouts into one repository that run at once, per server: as many as the machine has cores
 * (dispatches into different worktrees no longer wait on one another's checkout, but 32 git
 * processes at once would make every one of them wait for the whole burst).
 */
const CHECKOUTS = new Slots(Math.max(1, os.availableParallelism?.() ?? os.cpus().length));

function readonlyEnforcement(p: Plan): "sandbox" | "deny-tools" | "audit" {
  if (p.readonlyFallback) return "audit";
  return p.driver.readOnly === "sandbox" ? "sandbox" : "deny-tools";
}

/** What a claimed task left to undo if its launch fails. */
interface Recorded {
  readonly meta: TaskMeta;
  readonly worktree: WorktreeReady | undefined;
  readonly archived: string | undefined;
}

/**
 * Dispatches a task: validates, claims the task id, prepares the worktree, writes the task's
 * files and starts its runner (or queues it). On any failure everything made so far is undone
 * and an earlier run of the topic is put back.
 *
 * A write task holds its directory's lock (for a worktree: that worktree's) only until it is
 * recorded: from then on its meta.json says it owns the directory, which is what every other
 * dispatch, merge and cleanup checks under that lock. Starting it (the queue pass, the runner)
 * happens after, so a burst of dispatches into one repository waits on checkouts alone.
 */
export async function dispatchTask(ctx: DispatchContext, request: TaskRequest): Promise<TaskMeta> {
  const p = await plan(ctx, request);
  await ctx.store.ensureHome();
  const claim = () => ctx.store.lockTask(p.topic.taskId, () => claimAndRecord(ctx, p));
  let recorded: Recorded;
  if (!p.exclusive) recorded = await claim();
  else {
    const { lock, dir } = p.exclusive;
    recorded = await withLock(
      lock,
      async () => {
        const [user] = await activeTasksIn(ctx.store, ctx.hosts, dir, p.topic.taskId);
        if (user) {
          throw new UserError(
            `${dir} is in use by the running task ${user.meta.task_id}; two tasks never share a worktree. Wait for it (the codex_wait tool of this server) or cancel it (codex_cancel), or give this task a topic with another description, which gets a worktree of its own (e.g. ${p.topic.type}-${p.topic.desc}_2-v1).`,
          );
        }
        return claim();
      },
      REPO_LOCK_WAIT,
    );
  }
  return launchRecorded(ctx, p, recorded);
}

async function launchRecorded(ctx: DispatchContext, p: Plan, recorded: Recorded): Promise<TaskMeta> {
  const { store, settings } = ctx;
  const { meta } = recorded;
  const taskDir = store.layout.taskDir(meta.task_id);
  // The .codex-tasks link is made while the task starts (it never fails a dispatch).
  const linking = settings.taskLinks ? makeTaskLink(p.cwd, p.topic.topic, taskDir, p.repo) : undefined;
  try {
    // The scheduler's own lock orders it against every other queue pass; the task is recorded.
    await scheduleTask(store, meta, settings.maxParallel, ctx.hosts);
  } catch (err) {
    await linking;
    // The worktree is taken back under its lock again, as it was made.
    const undo = () => undoClaim(ctx, p, recorded);
    await (p.exclusive ? withLock(p.exclusive.lock, undo, REPO_LOCK_WAIT) : undo()).catch(() => undefined);
    // An earlier run put back at taskDir keeps its link; otherwise the link would point at nothing.
    if (linking && !recorded.archived) await removeTaskLink(p.cwd, p.topic.topic, taskDir);
    throw dispatchError(ctx, meta.task_id, err);
  }
  await linking;
  return (await store.readMeta(meta.task_id)) ?? meta;
}

/** Everything a claim made, taken back: the runner's session, the worktree, the task's files. */
async function undoClaim(
  ctx: DispatchContext,
  p: Plan,
  made: { meta?: TaskMeta; worktree?: WorktreeReady; archived?: string },
): Promise<void> {
  const { store } = ctx;
  const taskId = p.topic.taskId;
  if (made.meta)
    await ctx.hosts
      .hostOf(made.meta)
      .close(made.meta)
      .catch(() => undefined);
  if (made.worktree && p.repo) await rollbackWorktree(p.repo.toplevel, made.worktree).catch(() => undefined);
  if (made.archived) await store.restoreRun(taskId, made.archived).catch(() => undefined);
  else await fsp.rm(store.layout.taskDir(taskId), { recursive: true, force: true }).catch(() => undefined);
}

/** The sentence a failed dispatch answers with. */
function dispatchError(ctx: DispatchContext, taskId: string, err: unknown): UserError {
  if (err instanceof UserError) return err;
  if (hasErrorCode(err, "ENOSPC", "EACCES", "EROFS", "EDQUOT")) {
    return new UserError(
      `Cannot write the task store at ${ctx.store.layout.home} (${errorMessage(err)}); free disk space or fix permissions, then dispatch again.`,
    );
  }
  return new UserError(`Could not start task ${taskId}: ${errorMessage(err)}`);
}

async function claimAndRecord(ctx: DispatchContext, p: Plan): Promise<Recorded> {
  const { store, settings } = ctx;
  const { taskId } = p.topic;
  const existing = await observeTask(store, taskId, ctx.hosts);
  if (existing && !isTerminal(existing.status)) {
    // The next version shares the worktree of a write task, so it would be refused too.
    const elsewhere = p.exclusive
      ? `or give this task a topic with another description, which gets a worktree of its own (e.g. ${p.topic.type}-${p.topic.desc}_2-v1)`
      : `or use the next version (${p.topic.stem}-v${p.topic.version + 1})`;
    throw new UserError(
      `Task ${taskId} is still ${existing.status}; wait for it (the codex_wait tool of this server) or cancel it (codex_cancel) before starting it again, ${elsewhere}.`,
    );
  }
  const archived = existing ? await store.archiveRun(taskId) : undefined;
  const taskDir = store.layout.taskDir(taskId);
  let worktree: WorktreeReady | undefined;
  let built: TaskMeta | undefined;
  try {
    await fsp.mkdir(taskDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const r = p.request;
    const { config } = p;
    let runDir = p.cwd;
    let copied: string[] = [];
    let writableDirs: string[] = [];
    if (p.repo && p.worktreeDir && p.branch) {
      const request = { repo: p.repo, dir: p.worktreeDir, branch: p.branch, scanned: p.driverScan };
      worktree = await CHECKOUTS.run(p.repo.commonDir, () => ensureWorktree(request));
      // Placed by a host's remote dispatch: it made the worktree (and undoes that itself).
      if (r.placed) worktree = { ...worktree, baseCommit: r.placed.base_commit };
      // The agent's own git (Codex runs git status there when it starts) reads these files.
      for (const repair of await secureWorktreeAdmin(worktree.dir)) log.warn(repair);
      runDir = await mkdirNoFollow(worktree.dir, p.repo.subdir);
      if (!r.placed) copied = await copyUntracked(p.repo.toplevel, worktree.dir, config.worktree?.copy ?? []);
      if (r.sandbox === "workspace-write") {
        // A workspace-write sandbox keeps .git read-only, and a worktree's git dirs live
        // outside it anyway: the agent gets exactly what a commit on its own branch writes,
        // never the repository's config or hooks.
        writableDirs = await commitWritableDirs({
          worktree: worktree.dir,
          commonDir: p.repo.commonDir,
          branch: worktree.branch,
        });
      }
    }
    const setupOn = config.worktree?.setup_on ?? "create";
    const setup =
      worktree && (worktree.createdWorktree || r.placed?.created || setupOn === "always")
        ? (config.worktree?.setup ?? [])
        : [];
    const model = r.model ?? config.model ?? settings.model;
    const profile = r.profile ?? config.profile ?? settings.profile;
    const effort = r.reasoning_effort ?? config.reasoning_effort ?? settings.reasoningEffort;
    const presetSessionId = !r.session_id && p.driver.presetSessionId ? randomUUID() : null;
    const run = p.driver.buildRun({
      runDir,
      taskDir,
      sandbox: r.sandbox,
      auditedReadOnly: p.readonlyFallback,
      model,
      profile,
      reasoningEffort: effort,
      resumeSessionId: r.session_id,
      newSessionId: presetSessionId ?? undefined,
      writableDirs,
    });
    const meta: TaskMeta = {
      schema: 1,
      task_id: taskId,
      topic: p.topic.topic,
      topic_type: p.topic.type,
      topic_stem: p.topic.stem,
      sandbox: r.sandbox,
      agent: p.driver.name,
      agent_mode: run.mode,
      readonly_fallback: p.readonlyFallback,
      ...(r.sandbox === "read-only" ? { readonly_enforcement: readonlyEnforcement(p) } : {}),
      ...(p.readonlyFallback
        ? { readonly_fallback_restore: settings.readonlyFallbackRestore, agent_input: AGENT_INPUT_FILE }
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
      preset_session_id: presetSessionId,
      model: model ?? null,
      profile: profile ?? null,
      reasoning_effort: effort ?? null,
      timeout_seconds: r.timeout_seconds ?? config.timeout ?? settings.taskTimeoutSeconds,
      unreachable_timeout_seconds: settings.unreachableTimeoutSeconds,
      stall_timeout_seconds: settings.stallTimeoutSeconds,
      agent_mcp_servers: settings.agentMcpServers,
      agent_bin: p.agentBin,
      agent_args: run.args,
      agent_env: run.env,
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
    built = meta;
    // The task's inputs and the space for its outcome, side by side (each is fsynced); meta.json
    // last: once it is there, the task exists. All settle before a failure is thrown, so the
    // undo never races a write still under way.
    const inputs = await Promise.allSettled([
      store.reserveOutcome(taskId),
      fsp.writeFile(store.layout.file(taskId, "prompt"), r.prompt, { mode: PRIVATE_FILE_MODE }),
      p.readonlyFallback
        ? fsp.writeFile(path.join(taskDir, AGENT_INPUT_FILE), READONLY_CONSTRAINT + r.prompt, {
            mode: PRIVATE_FILE_MODE,
          })
        : undefined,
      // The server's environment plus the repository's `env`, for the runner to hand to the agent.
      codexmcpSecrets(settings.home).then((secrets) =>
        writeJsonAtomic(store.layout.file(taskId, "env"), {
          ...envSnapshot(ctx.env, secrets),
          ...(config.env ?? {}),
        }),
      ),
    ]);
    for (const input of inputs) if (input.status === "rejected") throw input.reason;
    await store.writeMeta(meta);
    return { meta, worktree, archived };
  } catch (err) {
    await undoClaim(ctx, p, { meta: built, worktree, archived });
    throw dispatchError(ctx, taskId, err);
  }
}
