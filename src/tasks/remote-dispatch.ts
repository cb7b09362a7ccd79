import { promises as fsp } from "node:fs";
import path from "node:path";
import { worktreeParent } from "../config/repo-config.js";
import type { HostConfig } from "../config/schema.js";
import { WRITE_SANDBOXES } from "../core/sandbox.js";
import { newProcessTag } from "../core/task-tag.js";
import { parseTopic } from "../core/topic.js";
import { isTerminal, type TaskMeta } from "../core/types.js";
import { git, gitMaybe } from "../git/git.js";
import { repoInfo } from "../git/repo.js";
import { bundleBytes, snapshotCommit } from "../git/snapshot.js";
import type { DispatchReply, DispatchSpec } from "../hosts/ssh/protocol.js";
import { RemoteCodexmcp } from "../hosts/ssh/remote-client.js";
import { SshUnreachable } from "../hosts/ssh/ssh.js";
import { observeTask } from "../lifecycle/observe.js";
import { canonicalPath } from "../util/canonical-path.js";
import { errorMessage, UserError } from "../util/errors.js";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../util/files.js";
import { withLock } from "../util/lock.js";
import { nowIso } from "../util/time.js";
import type { DispatchContext, TaskRequest } from "./dispatch.js";
import { repoLockPath, worktreeLockPath } from "./locks.js";
import { repoDecisions } from "./remote-decisions.js";
import { originId, remoteRepoId, remoteTopic } from "./remote-names.js";
import { activeTasksIn } from "./worktree-users.js";

/** Local refs that keep a remote task's commits (and tell later bundles what the host has). */
export function remoteRef(taskId: string, kind: "snapshot" | "head" | "state"): string {
  return `refs/codexmcp/remote/${taskId}/${kind}`;
}

/** Refs of commits a host's mirror is known to have (what this repository sent or fetched). */
function hostHaveRefs(host: string): string {
  return `refs/codexmcp/hosts/${host}/`;
}

/** The variables of the allow-list that are set here: what travels with the task. */
function travellingEnv(host: HostConfig, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of host.env ?? []) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Dispatches a task to a remote host: the caller's HEAD plus uncommitted and untracked files
 * become one snapshot commit (a throwaway index; the caller's index and work tree are not
 * touched), the placement record is written, then one ssh command carries the spec, prompt,
 * allowed environment and a git bundle of what the host's mirror lacks to the host's codexmcp,
 * which makes the worktree and runs the task in its own tmux and runner.
 */
export async function dispatchRemote(
  ctx: DispatchContext,
  request: TaskRequest,
  host: HostConfig,
): Promise<TaskMeta> {
  const { store, settings } = ctx;
  if (!WRITE_SANDBOXES.includes(request.sandbox)) {
    throw new UserError(
      `Read-only tasks run on this machine; host "${host.name}" takes full-access and workspace-write tasks (they get a worktree there). Leave host out for a read-only task.`,
    );
  }
  if (!path.isAbsolute(request.cwd))
    throw new UserError(
      `cwd must be an absolute path (got "${request.cwd}"); pass the full path of the project directory.`,
    );
  const cwd = await canonicalPath(request.cwd);
  const repo = await repoInfo(cwd);
  if (!repo?.head) {
    throw new UserError(
      `cwd ${cwd} is not in a git repository with commits; a task on host "${host.name}" gets its files from git. Commit something first, or leave host out to run it here.`,
    );
  }
  const topic = parseTopic(request.topic, settings.topicTypes);
  const top = await canonicalPath(repo.toplevel);
  const { vouched, agent } = await repoDecisions(settings, request, top, host);
  const client = new RemoteCodexmcp(host, settings.home);
  try {
    await client.hello();
  } catch (err) {
    if (err instanceof SshUnreachable)
      throw new UserError(
        `${err.message}; nothing was started. Check it with: codexmcp hosts (or dispatch without host to run here).`,
      );
    throw err;
  }
  const localWorktree = path.join(
    worktreeParent(top, settings.repoDefaults.worktree?.root),
    `${path.basename(top)}-agent-${topic.stem}`,
  );
  const branch = `agent/${topic.stem}`;
  const taskId = topic.taskId;
  await store.ensureHome();
  const repoId = remoteRepoId(await originId(settings.home), repo.commonDir);
  const onHost = remoteTopic(topic, repoId);

  const placed = await withLock(repoLockPath(store, repo.commonDir), () =>
    withLock(worktreeLockPath(store, repo.commonDir, localWorktree), () =>
      store.lockTask(taskId, async () => {
        const existing = await observeTask(store, taskId, ctx.hosts);
        if (existing && !isTerminal(existing.status)) {
          throw new UserError(
            `Task ${taskId} is still ${existing.status}; wait for it (the codex_wait tool of this server) or cancel it (codex_cancel) before starting it again, or use the next version (${topic.stem}-v${topic.version + 1}).`,
          );
        }
        const [user] = await activeTasksIn(store, ctx.hosts, localWorktree, taskId);
        if (user)
          throw new UserError(
            `${localWorktree} is in use by the running task ${user.meta.task_id}; two tasks never share a worktree. Wait for it (codex_wait) or give this task another description (e.g. ${topic.type}-${topic.desc}_2-v1).`,
          );
        const archived = existing ? await store.archiveRun(taskId) : undefined;
        const snapshot = await snapshotCommit(top, repo.head as string, `codexmcp: snapshot for ${taskId}`);
        await git(top, ["update-ref", remoteRef(taskId, "snapshot"), snapshot]);
        const meta: TaskMeta = {
          schema: 1,
          task_id: taskId,
          topic: topic.topic,
          topic_type: topic.type,
          topic_stem: topic.stem,
          sandbox: request.sandbox,
          agent,
          agent_mode: request.sandbox,
          readonly_fallback: false,
          cwd,
          run_dir: cwd,
          host: "ssh",
          tmux_session: null,
          tmux_socket: null,
          remote: {
            host: host.name,
            ssh: host.ssh,
            ssh_options: host.ssh_options ?? [],
            codexmcp: host.codexmcp ?? "codexmcp",
            task_id: onHost.taskId,
            dispatched_at: null,
            task_dir: null,
            worktree_dir: null,
            attach: null,
            unreachable_since: null,
            collected_at: null,
          },
          git: {
            repo_root: top,
            worktree_dir: localWorktree,
            agent_branch: branch,
            base_branch: repo.branch,
            base_commit: snapshot,
          },
          ran_in_place: false,
          note: null,
          resume_session_id: request.session_id ?? null,
          model: request.model ?? null,
          profile: request.profile ?? null,
          reasoning_effort: request.reasoning_effort ?? null,
          timeout_seconds: request.timeout_seconds ?? settings.taskTimeoutSeconds,
          agent_bin: agent,
          agent_args: [],
          max_parallel: host.max_parallel ?? settings.maxParallel,
          process_tag: newProcessTag(taskId, store.layout.home),
          queued_at: null,
          starting_at: nowIso(),
          created_at: nowIso(),
          status: "starting",
          started_at: null,
          finished_at: null,
        };
        // The placement record, before the host hears of the task: a restart knows where it is.
        await fsp.mkdir(store.layout.taskDir(taskId), { recursive: true, mode: PRIVATE_DIR_MODE });
        await fsp.writeFile(store.layout.file(taskId, "prompt"), request.prompt, { mode: PRIVATE_FILE_MODE });
        await store.writeMeta(meta);
        return { meta, archived, snapshot };
      }),
    ),
  );

  const undo = async () => {
    await gitMaybe(top, ["update-ref", "-d", remoteRef(taskId, "snapshot")]);
    if (placed.archived) await store.restoreRun(taskId, placed.archived).catch(() => undefined);
    else await fsp.rm(store.layout.taskDir(taskId), { recursive: true, force: true });
  };
  let reply: DispatchReply;
  try {
    reply = await sendToHost(client, top, repo.subdir, repoId, placed.snapshot, {
      topic: taskId,
      sandbox: request.sandbox,
      agent,
      ...(request.model ? { model: request.model } : {}),
      ...(request.profile ? { profile: request.profile } : {}),
      ...(request.reasoning_effort ? { reasoning_effort: request.reasoning_effort } : {}),
      ...(request.timeout_seconds ? { timeout_seconds: request.timeout_seconds } : {}),
      ...(request.session_id ? { session_id: request.session_id } : {}),
      ...(host.worktree_root ? { worktree_root: host.worktree_root } : {}),
      ...(host.max_parallel ? { max_parallel: host.max_parallel } : {}),
      ...(vouched ? { trusted_config: vouched } : {}),
      env: travellingEnv(host, ctx.env),
      prompt: request.prompt,
    });
  } catch (err) {
    // Refused by the host: it has not started anything, so neither has this dispatch. A lost
    // connection leaves the record: the host may have the task, and observing it asks.
    if (err instanceof SshUnreachable)
      throw new UserError(`${err.message}; ${await lostDispatch(store, taskId)}`);
    await undo();
    throw err instanceof UserError
      ? err
      : new UserError(`Could not start task ${taskId} on host ${host.name}: ${errorMessage(err)}`);
  }
  await git(top, ["update-ref", `${hostHaveRefs(host.name)}${taskId}`, placed.snapshot]);
  return (
    (await store.updateMeta(taskId, (m) => {
      const r = m.remote as NonNullable<TaskMeta["remote"]>;
      r.dispatched_at = nowIso();
      r.task_dir = reply.task_dir;
      r.worktree_dir = reply.worktree_dir;
      r.attach = reply.attach;
      Object.assign(m, {
        tmux_session: reply.tmux_session,
        git: { ...(m.git as NonNullable<TaskMeta["git"]>), base_commit: reply.base_commit },
      });
      if (reply.status === "queued") m.queued_at = nowIso();
    })) ?? placed.meta
  );
}

async function lostDispatch(store: DispatchContext["store"], taskId: string): Promise<string> {
  return `the task ${taskId} may or may not have reached it; its placement is recorded in ${store.layout.taskDir(taskId)} and codex_status asks the host once it answers (it is never dispatched twice).`;
}

/** The spec and a bundle of what the host's mirror lacks; a host that lost its mirror gets it all. */
async function sendToHost(
  client: RemoteCodexmcp,
  top: string,
  subdir: string,
  repoId: string,
  snapshot: string,
  spec: Omit<DispatchSpec, "repo_id" | "repo_name" | "subdir" | "snapshot">,
): Promise<DispatchReply> {
  const full: DispatchSpec = {
    ...spec,
    repo_id: repoId,
    repo_name: path.basename(top),
    subdir,
    snapshot,
  };
  const have = (
    (await gitMaybe(top, ["for-each-ref", "--format=%(objectname)", hostHaveRefs(client.host.name)])) ?? ""
  )
    .split("\n")
    .filter((s) => /^[0-9a-f]{40,64}$/.test(s) && s !== snapshot);
  const ref = remoteRef(spec.topic, "snapshot");
  const send = async (exclude: string[]) => {
    const reachable = await gitMaybe(top, ["rev-list", "--count", ref, ...exclude.map((c) => `^${c}`)]);
    const body =
      Number(reachable?.trim() ?? "1") > 0 ? await bundleBytes(top, [ref], exclude) : Buffer.alloc(0);
    return client.call<DispatchReply>("dispatch", full, { body, timeoutMs: 10 * 60_000 });
  };
  try {
    return (await send(have)).header;
  } catch (err) {
    // The mirror lacks a commit it was known to have (wiped, or another mirror): send everything.
    if (
      have.length > 0 &&
      err instanceof UserError &&
      /prerequisite|did not arrive|missing|bad object/i.test(err.message)
    )
      return (await send([])).header;
    throw err;
  }
}
