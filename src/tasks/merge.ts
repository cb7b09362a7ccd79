import path from "node:path";
import { isTerminal, type TaskMeta } from "../core/types.js";
import { git, gitMaybe } from "../git/git.js";
import { predictMerge, trialRebase } from "../git/merge.js";
import { countCommits } from "../git/repo.js";
import { UserError } from "../util/errors.js";
import { pathExists, readJsonIfExists, writeJsonAtomic } from "../util/files.js";
import { withLock } from "../util/lock.js";
import { nowIso } from "../util/time.js";
import { REPO_LOCK_WAIT, repoLockPath } from "./locks.js";
import type { TaskManager } from "./manager.js";
import type { Observation } from "./observe.js";

export type MergeStrategy = "merge" | "squash" | "rebase";

/** merge.json in the task directory: how the agent branch went into its base. */
export interface MergeRecord {
  readonly strategy: MergeStrategy;
  readonly base_branch: string;
  readonly agent_branch: string;
  /** The agent branch head that was merged (a squash leaves no ancestry; this proves it). */
  readonly branch_head: string;
  readonly base_before: string;
  readonly base_after: string;
  readonly merged_at: string;
}

export interface MergeOutcome {
  readonly merged: boolean;
  readonly task_id: string;
  readonly strategy: MergeStrategy;
  readonly base_branch: string;
  readonly agent_branch: string;
  readonly repo_root: string;
  readonly commits_merged: number;
  readonly conflicts?: readonly string[];
  readonly base_before?: string;
  readonly base_after?: string;
  readonly diff_stat?: string;
  readonly hint: string;
}

async function dirtyPaths(dir: string, untracked: boolean): Promise<string[]> {
  const out = await git(dir, [
    "status",
    "--porcelain=v1",
    "-z",
    `--untracked-files=${untracked ? "all" : "no"}`,
  ]);
  return out
    .split("\0")
    .filter((f) => f.length > 3)
    .map((f) => f.slice(3));
}

function listed(paths: readonly string[]): string {
  return paths.length > 8 ? `${paths.slice(0, 8).join(", ")} and ${paths.length - 8} more` : paths.join(", ");
}

/** Another version of the topic (or anything else) running in this worktree. */
async function activeIn(manager: TaskManager, worktree: string): Promise<Observation | undefined> {
  for (const obs of await manager.list({ activeOnly: true }))
    if (obs.meta.git?.worktree_dir === worktree) return obs;
  return undefined;
}

export function mergeRecordPath(manager: TaskManager, taskId: string): string {
  return path.join(manager.store.layout.taskDir(taskId), "merge.json");
}

export function readMergeRecord(manager: TaskManager, taskId: string): Promise<MergeRecord | undefined> {
  return readJsonIfExists<MergeRecord>(mergeRecordPath(manager, taskId));
}

async function checkCheckout(repo: string, base: string): Promise<void> {
  const head = (await gitMaybe(repo, ["symbolic-ref", "--short", "-q", "HEAD"]))?.trim();
  if (head !== base) {
    throw new UserError(
      `The checkout at ${repo} is on ${head ? `branch ${head}` : "a detached HEAD"}, not the task's base branch ${base}; switch it to ${base} (git switch ${base}) and merge again.`,
    );
  }
  const dirty = await dirtyPaths(repo, false);
  if (dirty.length > 0) {
    throw new UserError(
      `The checkout at ${repo} has uncommitted changes (${listed(dirty)}); commit or stash them first — codex_merge only merges into a clean checkout and changed nothing.`,
    );
  }
}

/** Untracked files in the checkout that the merge would overwrite (git would refuse mid-way). */
async function untrackedCollisions(repo: string, base: string, branch: string): Promise<string[]> {
  const added = (await git(repo, ["diff", "--name-only", "-z", "--diff-filter=A", `${base}...${branch}`]))
    .split("\0")
    .filter(Boolean);
  const hits: string[] = [];
  for (const rel of added) if (await pathExists(path.join(repo, rel))) hits.push(rel);
  return hits;
}

/**
 * Merges a finished task's branch into its base branch in the checkout it was dispatched from.
 * Every check and the conflict prediction happen before anything changes; a predicted conflict
 * changes nothing and names the paths.
 */
export async function mergeTask(
  manager: TaskManager,
  taskId: string,
  opts: { strategy: MergeStrategy; message?: string | undefined; commitUncommitted?: boolean | undefined },
): Promise<MergeOutcome> {
  const obs = await manager.observe(taskId);
  const meta: TaskMeta = obs.meta;
  if (!meta.git) {
    throw new UserError(
      `Task ${meta.task_id} has no worktree or branch (${meta.sandbox}${meta.ran_in_place ? ", ran in place" : ""}); there is nothing to merge.`,
    );
  }
  const { repo_root: repo, agent_branch: branch, worktree_dir: worktree } = meta.git;
  const base = meta.git.base_branch;
  if (!base)
    throw new UserError(
      `Task ${meta.task_id} was dispatched from a detached HEAD, so it has no base branch to merge into; merge ${branch} by hand.`,
    );
  if (!isTerminal(obs.status)) {
    throw new UserError(
      `Task ${meta.task_id} is still ${obs.status}; wait for it (codex_wait) or cancel it before merging.`,
    );
  }
  const busy = await activeIn(manager, worktree);
  if (busy)
    throw new UserError(
      `Task ${busy.meta.task_id} is ${busy.status} in ${worktree}; wait for it before merging ${branch}.`,
    );
  const outcome = {
    task_id: meta.task_id,
    strategy: opts.strategy,
    base_branch: base,
    agent_branch: branch,
    repo_root: repo,
  };

  if (!(await pathExists(repo)))
    throw new UserError(
      `The checkout ${repo} the task was dispatched from no longer exists; merge ${branch} by hand.`,
    );
  const commonDir = path.resolve(repo, (await git(repo, ["rev-parse", "--git-common-dir"])).trim());
  return withLock(
    repoLockPath(manager.store, commonDir),
    async () => {
      await checkCheckout(repo, base);
      if (await pathExists(worktree)) {
        const pending = await dirtyPaths(worktree, true);
        if (pending.length > 0 && !opts.commitUncommitted) {
          throw new UserError(
            `The worktree ${worktree} has uncommitted work (${listed(pending)}); only commits are merged. Commit it (or ask the agent to with codex_reply), or pass commit_uncommitted: true to commit it as is. Nothing was changed.`,
          );
        }
        if (pending.length > 0) {
          await git(worktree, ["add", "--all"]);
          await git(worktree, [
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            `codexmcp: uncommitted work of ${meta.task_id}`,
          ]);
        }
      }
      const ahead = await countCommits(repo, `${base}..${branch}`);
      if (ahead === 0) {
        return {
          ...outcome,
          merged: false,
          commits_merged: 0,
          hint: `${branch} has no commits that ${base} lacks: nothing to merge. codex_cleanup removes the worktree.`,
        };
      }
      const collisions = await untrackedCollisions(repo, base, branch);
      if (collisions.length > 0) {
        throw new UserError(
          `Untracked files in ${repo} would be overwritten by the merge (${listed(collisions)}); move them away and merge again. Nothing was changed.`,
        );
      }
      const baseBefore = (await git(repo, ["rev-parse", base])).trim();
      const branchHead = (await git(repo, ["rev-parse", branch])).trim();
      const message = opts.message ?? `Merge ${branch} (codexmcp task ${meta.task_id})`;

      if (opts.strategy === "rebase") {
        const trial = await trialRebase(repo, base, branch);
        if ("conflicts" in trial) {
          return {
            ...outcome,
            merged: false,
            commits_merged: 0,
            conflicts: trial.conflicts,
            hint: `Rebasing ${branch} onto ${base} conflicts in ${listed(trial.conflicts)}; nothing was changed. Ask the agent to rebase and resolve (codex_reply), or use strategy "merge".`,
          };
        }
        await git(repo, ["merge", "--ff-only", "--quiet", trial.head]);
        // The agent branch follows its rebased commits, so it reads as merged.
        if (await pathExists(worktree)) await git(worktree, ["reset", "--keep", "--quiet", trial.head]);
        else await git(repo, ["branch", "-f", branch, trial.head]);
      } else {
        const prediction = await predictMerge(repo, base, branch);
        if (!prediction.clean) {
          return {
            ...outcome,
            merged: false,
            commits_merged: 0,
            conflicts: prediction.conflicts,
            hint: `Merging ${branch} into ${base} would conflict in ${listed(prediction.conflicts)}; nothing was changed. Ask the agent to merge ${base} into its branch and resolve (codex_reply), then merge again.`,
          };
        }
        try {
          if (opts.strategy === "merge")
            await git(repo, ["merge", "--no-ff", "--quiet", "-m", message, branch]);
          else {
            await git(repo, ["merge", "--squash", "--quiet", branch]);
            await git(repo, ["commit", "--quiet", "--no-verify", "-m", message]);
          }
        } catch (err) {
          // Predicted clean, yet failed (a hook, a race): put the checkout back as it was.
          await gitMaybe(repo, ["merge", "--abort"]);
          await gitMaybe(repo, ["reset", "--merge", baseBefore]);
          throw err;
        }
      }
      const baseAfter = (await git(repo, ["rev-parse", base])).trim();
      const record: MergeRecord = {
        strategy: opts.strategy,
        base_branch: base,
        agent_branch: branch,
        branch_head:
          opts.strategy === "rebase" ? (await git(repo, ["rev-parse", branch])).trim() : branchHead,
        base_before: baseBefore,
        base_after: baseAfter,
        merged_at: nowIso(),
      };
      await writeJsonAtomic(mergeRecordPath(manager, meta.task_id), record);
      const stat = (await git(repo, ["diff", "--shortstat", baseBefore, baseAfter])).trim();
      return {
        ...outcome,
        merged: true,
        commits_merged: ahead,
        base_before: baseBefore,
        base_after: baseAfter,
        diff_stat: stat,
        hint: `${branch} is in ${base} (${opts.strategy}). codex_cleanup(task_id="${meta.task_id}") removes the worktree and the merged branch.`,
      };
    },
    REPO_LOCK_WAIT,
  );
}
