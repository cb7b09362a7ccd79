import path from "node:path";
import { isTerminal, type TaskMeta } from "../core/types.js";
import { git, gitMaybe } from "../git/git.js";
import { describeOperations } from "../git/operations.js";
import { salvageMissingWorktree } from "../git/orphaned.js";
import { branchExists, countCommits } from "../git/repo.js";
import { assessWorktree, nestedWithWork, type WorktreeWork } from "../git/work.js";
import type { HostResolver } from "../hosts/host.js";
import type { Observation } from "../lifecycle/observe.js";
import { canonicalPath } from "../util/canonical-path.js";
import { pathExists } from "../util/files.js";
import { withLock } from "../util/lock.js";
import { shellQuote } from "../util/shell-quote.js";
import { type CleanupPreviewItem, previewRemoval } from "./cleanup-preview.js";
import { REPO_LOCK_WAIT, repoLockPath, worktreeLockPath } from "./locks.js";
import type { TaskManager } from "./manager.js";
import { readMergeRecord } from "./merge-record.js";
import { saveBranchCommits, saveWorktreeWork } from "./save-work.js";
import { activeTasksIn } from "./worktree-users.js";

export interface CleanedItem {
  readonly worktree_dir: string | null;
  readonly tasks: readonly string[];
  readonly worktree_removed: boolean;
  readonly branch: string | null;
  readonly branch_deleted: boolean;
  /** Why the branch stays (unmerged commits), and where the work is. */
  readonly branch_kept?: string;
  /** A task that ran on a remote host: whether its worktree there went too, or why not. */
  readonly remote?: { readonly host: string; readonly removed: boolean; readonly reasons: readonly string[] };
  /** Uncommitted work saved before a forced removal (a commit: `git diff HEAD <ref>` shows it). */
  readonly saved_ref?: string;
  /** Every ref made to keep work that would otherwise be lost (in the repository, or another named one). */
  readonly saved_refs?: readonly string[];
  /** Ignored files of the worktree (.env, keys, …), archived before a forced removal. */
  readonly saved_archive?: string;
  /** Regenerable ignored directories (dependencies, caches) removed with the worktree. */
  readonly discarded?: readonly string[];
  readonly sessions_closed: number;
}

export interface RefusedItem {
  readonly worktree_dir: string | null;
  readonly tasks: readonly string[];
  readonly reasons: readonly string[];
  /** Whether force: true would remove it (not for a running task or a vanished repository). */
  readonly force_helps: boolean;
}

function listed(paths: readonly string[], max = 6): string {
  return paths.length > max
    ? `${paths.slice(0, max).join(", ")} and ${paths.length - max} more`
    : paths.join(", ");
}

async function closeSessions(hosts: HostResolver, tasks: readonly Observation[]): Promise<number> {
  let closed = 0;
  for (const obs of tasks) {
    const host = hosts.hostOf(obs.meta);
    if ((await host.hasSession(obs.meta)) && (await host.close(obs.meta))) closed++;
  }
  return closed;
}

/** Why removing this worktree without force would lose something; [] when nothing would be. */
function reasonsFor(work: WorktreeWork, agentBranch: string): string[] {
  const reasons: string[] = [];
  const wt = shellQuote(work.worktree);
  // A worktree a person switched to another branch is theirs to decide about (the branch stays
  // either way); a detached HEAD counts only through the commits it alone holds (below).
  if (work.branch && work.branch !== agentBranch) {
    reasons.push(
      `the worktree is on branch ${work.branch}, not ${agentBranch} (switched by hand); ${work.branch} itself is never touched, but switch the worktree back first (git -C ${wt} switch ${agentBranch})`,
    );
  }
  if (work.unreachable.tips.length > 0) {
    reasons.push(
      `${work.unreachable.commits} commit(s) are reachable only from this worktree (${listed(work.unreachable.tips.map((t) => t.what))}), in no branch; put them on a branch (git -C ${wt} branch <name> <commit>) or force keeps them under refs/codexmcp/kept/`,
    );
  }
  if (work.operations.length > 0) reasons.push(describeOperations(work.operations, work.worktree));
  if (work.dirty.length > 0)
    reasons.push(`the worktree has ${work.dirty.length} uncommitted or untracked change(s)`);
  if (work.ignored.work.length > 0) {
    reasons.push(
      `the worktree has ${work.ignored.files} ignored file(s) that are work (${listed(work.ignored.work)}); force archives them`,
    );
  }
  for (const n of nestedWithWork(work)) {
    const what = n.repo.moduleName ? `submodule ${n.repo.label}` : `nested repository ${n.repo.label}`;
    const parts: string[] = [];
    if (n.atRisk.tips.length > 0)
      parts.push(`${n.atRisk.commits} commit(s) that exist only in this worktree`);
    if (n.dirty.length > 0) parts.push(`${n.dirty.length} uncommitted change(s)`);
    if (n.operations.length > 0) parts.push(n.operations.map((o) => `${o.what} in progress`).join(", "));
    if ((n.ignored?.work.length ?? 0) > 0) parts.push(`ignored files (${listed(n.ignored?.work ?? [])})`);
    reasons.push(`${what} has ${parts.join(", ")}`);
  }
  return reasons;
}

/**
 * Cleans up one worktree (shared by all versions of a topic). Everything is decided and done
 * under the repository lock that dispatch holds while it claims a task, so a reply starting in
 * this worktree either is seen here (and the worktree stays) or starts after it is gone.
 */
export async function cleanWorktree(
  manager: TaskManager,
  listed_: readonly Observation[],
  force: boolean,
  dryRun = false,
): Promise<CleanedItem | RefusedItem | CleanupPreviewItem> {
  const newest = listed_[0]?.meta as TaskMeta;
  const git_ = newest.git;
  const ids = listed_.map((o) => o.meta.task_id);
  if (!git_) {
    const running = listed_.filter((o) => !isTerminal(o.status));
    if (running.length > 0) {
      return {
        worktree_dir: null,
        tasks: ids,
        reasons: running.map((o) => `task ${o.meta.task_id} is ${o.status} (cancel it first)`),
        force_helps: false,
      };
    }
    if (dryRun) return previewRemoval({ worktree: null, tasks: ids, branch: null, force });
    return {
      worktree_dir: null,
      tasks: ids,
      worktree_removed: false,
      branch: null,
      branch_deleted: false,
      sessions_closed: await closeSessions(manager.hosts, listed_),
    };
  }
  const { worktree_dir: worktree, agent_branch: branch, repo_root: repo } = git_;
  if (!(await pathExists(repo))) {
    return {
      worktree_dir: worktree,
      tasks: ids,
      reasons: [`the repository ${repo} is gone; remove ${worktree} by hand`],
      force_helps: false,
    };
  }
  const commonDir = path.resolve(repo, (await git(repo, ["rev-parse", "--git-common-dir"])).trim());
  return withLock(
    repoLockPath(manager.store, commonDir),
    // The worktree's own lock too: a dispatch into it holds only that one.
    () =>
      withLock(
        worktreeLockPath(manager.store, commonDir, worktree),
        async () => {
          // Decided here, under the lock: a task dispatched since the listing counts too.
          const busy = await activeTasksIn(manager.store, manager.hosts, worktree);
          const tasks = [...new Set([...ids, ...busy.map((o) => o.meta.task_id)])];
          if (busy.length > 0) {
            return {
              worktree_dir: worktree,
              tasks,
              reasons: busy.map(
                (o) =>
                  `task ${o.meta.task_id} is ${o.status} there (never removed, even with force; cancel it first)`,
              ),
              force_helps: false,
            };
          }
          return removeWorktree(manager, {
            listed: listed_,
            tasks,
            repo,
            worktree,
            branch,
            base: git_.base_branch,
            force,
            dryRun,
          });
        },
        REPO_LOCK_WAIT,
      ),
    REPO_LOCK_WAIT,
  );
}

async function unmergedCount(
  manager: TaskManager,
  input: { repo: string; branch: string; base: string | null; tasks: readonly string[] },
): Promise<{ count: number; into: string }> {
  const { repo, branch, base } = input;
  const head = (await git(repo, ["rev-parse", branch])).trim();
  const records = await Promise.all(input.tasks.map((id) => readMergeRecord(manager, id)));
  // A squash merge leaves no ancestry; its record proves the branch went in unchanged.
  const squashed = records.some((r) => r?.branch_head === head);
  const into = base && (await branchExists(repo, base)) ? base : "HEAD";
  return { count: squashed ? 0 : await countCommits(repo, `${into}..${branch}`), into };
}

async function removeWorktree(
  manager: TaskManager,
  input: {
    listed: readonly Observation[];
    tasks: readonly string[];
    repo: string;
    worktree: string;
    branch: string;
    base: string | null;
    force: boolean;
    dryRun: boolean;
  },
): Promise<CleanedItem | RefusedItem | CleanupPreviewItem> {
  const { repo, worktree, branch, tasks } = input;
  const refuse = (reasons: string[], forceHelps = true): RefusedItem => ({
    worktree_dir: worktree,
    tasks,
    reasons,
    force_helps: forceHelps,
  });
  const exists = await pathExists(worktree);
  if (exists) {
    const top = (await gitMaybe(worktree, ["rev-parse", "--show-toplevel"]))?.trim();
    if (!top || (await canonicalPath(top)) !== (await canonicalPath(worktree))) {
      return refuse(
        [
          `${worktree} is no longer a git worktree of ${repo}; whatever is in it is not codexmcp's to delete: look through it and remove it by hand`,
        ],
        false,
      );
    }
  }
  const hasBranch = await branchExists(repo, branch);
  const unmerged = hasBranch
    ? await unmergedCount(manager, { repo, branch, base: input.base, tasks })
    : undefined;
  const deleteBranch = hasBranch && unmerged?.count === 0;
  const dropRefs = deleteBranch ? [`refs/heads/${branch}`] : [];
  // A squash-merged branch holds commits no other ref reaches: kept, never asked about.
  const autoSave = deleteBranch
    ? [{ sha: (await git(repo, ["rev-parse", branch])).trim(), what: `${branch} (merged)` }]
    : [];
  const work = exists ? await assessWorktree({ checkout: repo, worktree, dropRefs, autoSave }) : undefined;
  const reasons = work ? reasonsFor(work, branch) : [];
  if (unmerged && unmerged.count > 0)
    reasons.push(`branch ${branch} has ${unmerged.count} commit(s) not in ${unmerged.into}`);
  if (reasons.length > 0 && !input.force) return refuse(reasons);
  if (input.dryRun)
    return previewRemoval({
      worktree,
      tasks,
      branch: hasBranch ? branch : null,
      force: reasons.length > 0,
      exists,
      deleteBranch,
      unmerged,
      work,
    });

  const stem = input.listed[0]?.meta.topic_stem ?? branch;
  let saved = work
    ? await saveWorktreeWork(manager.store, { repo, stem, work, everything: reasons.length > 0 })
    : await saveBranchCommits(repo, { stem, worktree, dropRefs, tips: autoSave });
  const sessions = await closeSessions(manager.hosts, input.listed);
  if (exists) await git(repo, ["worktree", "remove", "--force", "--force", worktree]);
  else {
    // Deleted by hand: what only its admin dir still reaches is kept; only that admin dir goes.
    const common = path.resolve(repo, (await git(repo, ["rev-parse", "--git-common-dir"])).trim());
    const kept = await salvageMissingWorktree(repo, common, worktree, stem);
    if (kept.length > 0) saved = { ...(saved ?? {}), refs: [...(saved?.refs ?? []), ...kept] };
  }
  const deleted = deleteBranch ? (await gitMaybe(repo, ["branch", "-D", branch])) !== undefined : false;
  return {
    worktree_dir: worktree,
    tasks,
    worktree_removed: exists,
    branch,
    branch_deleted: deleted,
    ...(unmerged && unmerged.count > 0
      ? {
          branch_kept: `${branch} kept: ${unmerged.count} commit(s) not in ${unmerged.into} stay reachable there`,
        }
      : {}),
    ...(saved?.worktreeRef ? { saved_ref: saved.worktreeRef } : {}),
    ...(saved && saved.refs.length > 0 ? { saved_refs: saved.refs } : {}),
    ...(saved?.archive ? { saved_archive: saved.archive } : {}),
    ...(work && work.ignored.regenerable.length > 0 ? { discarded: work.ignored.regenerable } : {}),
    sessions_closed: sessions,
  };
}
