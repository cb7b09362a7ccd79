import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CancelSource } from "../core/cancel-request.js";
import { parseTaskId } from "../core/topic.js";
import { isTerminal } from "../core/types.js";
import { git, gitMaybe } from "../git/git.js";
import { branchExists, mergeBase, revParse } from "../git/repo.js";
import { bundleBytes, fetchBundle, snapshotCommit } from "../git/snapshot.js";
import { listWorktrees } from "../git/worktree-list.js";
import { tmuxOf } from "../hosts/local/local-hosts.js";
import {
  bundleRef,
  type CancelRequest,
  type CleanupReply,
  type CleanupRequest,
  type CollectReply,
  type CollectRequest,
  type DispatchReply,
  type DispatchSpec,
  type HelloReply,
  PULL_CHUNK,
  type PullReply,
  type PullRequest,
  REMOTE_PROTOCOL,
  STREAMS,
} from "../hosts/ssh/protocol.js";
import { UserError } from "../util/errors.js";
import { PRIVATE_DIR_MODE } from "../util/files.js";
import { withLock } from "../util/lock.js";
import { VERSION } from "../version.js";
import { cleanupTasks } from "./cleanup.js";
import type { TaskManager } from "./manager.js";
import { remoteTopic } from "./remote-names.js";

/**
 * The host's side of `codexmcp remote <verb>`: the same task manager, store, queue, runner and
 * tmux as a local task, fed by a server on another machine over ssh. The repository arrives as
 * a git bundle into a bare mirror (one per repository under this home); the task's worktree is
 * made from it here, and its branch goes back as a bundle when the task has ended.
 */

const REPO_ID = /^[a-f0-9]{16,64}$/;

export async function hello(manager: TaskManager): Promise<HelloReply> {
  const active = await manager.list({ activeOnly: true });
  return {
    codexmcp: VERSION,
    protocol: REMOTE_PROTOCOL,
    home: manager.settings.home,
    load: os.loadavg(),
    cpus: os.cpus().length,
    running: active.filter((o) => o.status !== "queued").length,
    queued: active.filter((o) => o.status === "queued").length,
    max_parallel: manager.settings.maxParallel,
  };
}

function mirrorDir(manager: TaskManager, repoId: string): string {
  if (!REPO_ID.test(repoId)) throw new UserError(`repo_id ${JSON.stringify(repoId)} is not a repository id.`);
  return path.join(manager.settings.home, "mirrors", `${repoId}.git`);
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : path.resolve(p);
}

async function ensureMirror(manager: TaskManager, repoId: string): Promise<string> {
  const mirror = mirrorDir(manager, repoId);
  await fsp.mkdir(path.dirname(mirror), { recursive: true, mode: PRIVATE_DIR_MODE });
  if (!(await gitMaybe(mirror, ["rev-parse", "--is-bare-repository"]))?.startsWith("true")) {
    await git(path.dirname(mirror), ["init", "--quiet", "--bare", mirror]);
  }
  return mirror;
}

/**
 * Makes (or, for a later version of the topic, reuses) the worktree `agent/<type>-<desc>` from
 * the snapshot, then dispatches the task there through the host's own dispatch (trust rules,
 * setup, queue, tmux and runner as for a local task).
 */
export async function remoteDispatch(
  manager: TaskManager,
  spec: DispatchSpec,
  bundle: Buffer,
): Promise<DispatchReply> {
  // The caller's task id names the snapshot in the bundle; the host's carries the caller's mark.
  const callerId = parseTaskId(spec.topic).taskId;
  const topic = remoteTopic(parseTaskId(spec.topic), spec.repo_id);
  const name = /^[A-Za-z0-9._-]{1,64}$/.test(spec.repo_name) ? spec.repo_name : "repo";
  if (spec.subdir.split("/").includes("..") || path.isAbsolute(spec.subdir))
    throw new UserError(`subdir ${JSON.stringify(spec.subdir)} must stay inside the repository.`);
  const mirror = await ensureMirror(manager, spec.repo_id);
  const root = expandHome(spec.worktree_root ?? "~/codexmcp-worktrees");
  const dir = path.join(root, `${name}-${spec.repo_id.slice(0, 8)}-agent-${topic.stem}`);
  const branch = `agent/${topic.stem}`;
  const placed = await withLock(
    path.join(manager.settings.home, "locks", `mirror-${spec.repo_id}`),
    async () => {
      if (bundle.length > 0)
        await fetchBundle(mirror, bundle, [
          `+${bundleRef(callerId, "snapshot")}:refs/codexmcp/snapshots/${topic.taskId}`,
        ]);
      if (!(await revParse(mirror, spec.snapshot)))
        throw new UserError(
          `the snapshot ${spec.snapshot} did not arrive in the host's mirror; dispatch again.`,
        );
      const existing = (await listWorktrees(mirror)).find((w) => path.resolve(w.dir) === dir);
      if (existing) {
        if (existing.branch !== branch)
          throw new UserError(`The host's worktree ${dir} is not on ${branch}; move it away on the host.`);
        const base = (await mergeBase(mirror, spec.snapshot, branch)) ?? spec.snapshot;
        return { base, created: false };
      }
      await fsp.mkdir(root, { recursive: true });
      if (await branchExists(mirror, branch)) {
        await git(mirror, ["worktree", "add", "--quiet", dir, branch]);
        return {
          base: (await mergeBase(mirror, spec.snapshot, branch)) ?? spec.snapshot,
          created: true,
          newBranch: false,
        };
      }
      await git(mirror, ["worktree", "add", "--quiet", "-b", branch, dir, spec.snapshot]);
      return { base: spec.snapshot, created: true, newBranch: true };
    },
  );
  const cwd = path.join(dir, spec.subdir);
  await fsp.mkdir(cwd, { recursive: true });
  let view: Awaited<ReturnType<TaskManager["dispatch"]>>;
  try {
    view = await manager.dispatch({
      prompt: spec.prompt,
      agent: spec.agent,
      cwd,
      topic: topic.topic,
      sandbox: spec.sandbox,
      session_id: spec.session_id,
      model: spec.model,
      profile: spec.profile,
      reasoning_effort: spec.reasoning_effort,
      timeout_seconds: spec.timeout_seconds,
      placed: { base_commit: placed.base, created: placed.created },
      vouched_config: spec.trusted_config,
    });
  } catch (err) {
    // Refused before anything ran: the worktree made for it goes again (git refuses to remove
    // one that holds anything new, and then it stays).
    if (placed.created) {
      const removed = await gitMaybe(mirror, ["worktree", "remove", dir]);
      if (removed !== undefined && "newBranch" in placed && placed.newBranch)
        await gitMaybe(mirror, ["branch", "-D", branch]);
    }
    throw err;
  }
  const meta = (await manager.observe(view.task_id)).meta;
  const tmux = tmuxOf(meta);
  return {
    task_id: view.task_id,
    status: view.status,
    task_dir: view.task_dir,
    worktree_dir: dir,
    run_dir: view.run_dir,
    agent_branch: branch,
    base_commit: meta.git?.base_commit ?? placed.base,
    tmux_session: meta.tmux_session,
    attach: tmux && meta.tmux_session ? tmux.attachArgv(meta.tmux_session) : null,
  };
}

export async function remotePull(manager: TaskManager, req: PullRequest): Promise<PullReply> {
  const obs = await manager.observe(req.task_id);
  const id = obs.meta.task_id;
  const chunks = {} as Record<(typeof STREAMS)[number], string>;
  const sizes = {} as Record<(typeof STREAMS)[number], number>;
  for (const stream of STREAMS) {
    const file = manager.store.layout.file(id, stream);
    const offset = Math.max(0, Math.floor(Number(req.offsets?.[stream] ?? 0)));
    const handle = await fsp.open(file, "r").catch(() => undefined);
    if (!handle) {
      chunks[stream] = "";
      sizes[stream] = 0;
      continue;
    }
    try {
      const size = (await handle.stat()).size;
      const length = Math.max(0, Math.min(PULL_CHUNK, size - offset));
      const buf = Buffer.alloc(length);
      if (length > 0) await handle.read(buf, 0, length, offset);
      chunks[stream] = buf.toString("base64");
      sizes[stream] = size;
    } finally {
      await handle.close();
    }
  }
  return {
    status: obs.status,
    started_at: obs.meta.started_at,
    result: obs.result ?? null,
    chunks,
    sizes,
  };
}

export async function remoteCancel(manager: TaskManager, req: CancelRequest & { by?: CancelSource }) {
  const { obs } = await manager.cancel(req.task_id, {
    by: req.by ?? "codex_cancel",
    ...(req.reason ? { reason: req.reason } : {}),
  });
  return { status: obs.status };
}

/**
 * The ended task's branch and a commit of its worktree's uncommitted files, as a bundle without
 * what the caller already has. Refuses while the task still runs (its worktree is moving).
 */
export async function remoteCollect(
  manager: TaskManager,
  req: CollectRequest,
): Promise<{ reply: CollectReply; bundle: Buffer }> {
  const obs = await manager.observe(req.task_id);
  if (!isTerminal(obs.status))
    throw new UserError(`Task ${obs.meta.task_id} is still ${obs.status} on this host.`);
  const g = obs.meta.git;
  if (!g) throw new UserError(`Task ${obs.meta.task_id} has no worktree on this host.`);
  const common = path.resolve(
    g.worktree_dir,
    (await git(g.worktree_dir, ["rev-parse", "--git-common-dir"])).trim(),
  );
  const head = (await revParse(common, g.agent_branch)) ?? g.base_commit;
  const worktreeOnBranch =
    (await gitMaybe(g.worktree_dir, ["symbolic-ref", "-q", "HEAD"]))?.trim() ===
    `refs/heads/${g.agent_branch}`;
  const state = worktreeOnBranch
    ? await snapshotCommit(g.worktree_dir, head, `codexmcp: uncommitted work of ${obs.meta.task_id}`)
    : head;
  await git(common, ["update-ref", bundleRef(obs.meta.task_id, "head"), head]);
  await git(common, ["update-ref", bundleRef(obs.meta.task_id, "state"), state]);
  const have: string[] = [];
  for (const c of req.have) if (/^[0-9a-f]{40,64}$/.test(c) && (await revParse(common, c))) have.push(c);
  const missing = Number(
    (
      await git(common, [
        "rev-list",
        "--count",
        bundleRef(obs.meta.task_id, "state"),
        bundleRef(obs.meta.task_id, "head"),
        ...have.map((c) => `^${c}`),
      ])
    ).trim(),
  );
  const bundle =
    missing > 0
      ? await bundleBytes(
          common,
          [bundleRef(obs.meta.task_id, "head"), bundleRef(obs.meta.task_id, "state")],
          have,
        )
      : Buffer.alloc(0);
  return {
    reply: { agent_branch: g.agent_branch, head, state, bundle_bytes: bundle.length },
    bundle,
  };
}

/**
 * Removes the host's worktree of an ended task under the host's own cleanup rules. A worktree
 * that is still exactly what the caller brought back holds nothing the caller lacks, so its
 * uncommitted files do not refuse it (the forced cleanup still keeps them under refs/codexmcp/kept/).
 */
export async function remoteCleanup(manager: TaskManager, req: CleanupRequest): Promise<CleanupReply> {
  const obs = await manager.observe(req.task_id);
  if (!isTerminal(obs.status))
    throw new UserError(`Task ${obs.meta.task_id} is still ${obs.status} on this host.`);
  let force = req.force;
  const g = obs.meta.git;
  if (!force && g && req.state && /^[0-9a-f]{40,64}$/.test(req.state)) {
    const head = await revParse(g.worktree_dir, "HEAD");
    const now = head ? await snapshotCommit(g.worktree_dir, head, "codexmcp: check").catch(() => null) : null;
    const tree = (c: string) => gitMaybe(g.worktree_dir, ["rev-parse", `${c}^{tree}`]);
    force = now !== null && (await tree(now)) === (await tree(req.state)) && (await tree(now)) !== undefined;
  }
  const report = await cleanupTasks(manager, { taskId: obs.meta.task_id, force });
  return {
    removed: report.cleaned.length > 0,
    reasons: report.refused.flatMap((r) => r.reasons),
  };
}
