import { promises as fsp } from "node:fs";
import path from "node:path";
import { isTerminal, type TaskMeta } from "../core/types.js";
import { git, gitMaybe } from "../git/git.js";
import { createRef, keptNamespace } from "../git/keep.js";
import { predictMerge, trialRebase } from "../git/merge.js";
import { gitPath } from "../git/reachability.js";
import { branchExists, countCommits } from "../git/repo.js";
import { UserError } from "../util/errors.js";
import { pathExists, writeJsonAtomic } from "../util/files.js";
import { withLock } from "../util/lock.js";
import { shellQuote } from "../util/shell-quote.js";
import { nowIso } from "../util/time.js";
import { REPO_LOCK_WAIT, repoLockPath, worktreeLockPath } from "./locks.js";
import { damagedError, type TaskManager } from "./manager.js";
import { checkCheckout, checkCollisions, checkWorktree, dirtyPaths, listed } from "./merge-checks.js";
import { type MergeRecord, type MergeStrategy, mergeRecordPath, readMergeRecord } from "./merge-record.js";
import { activeTasksIn } from "./worktree-users.js";

export type { MergeRecord, MergeStrategy } from "./merge-record.js";
export { mergeRecordPath, readMergeRecord } from "./merge-record.js";

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
  /** Rebase: the branch's commits as they were before rebasing, kept under refs/codexmcp/kept/. */
  readonly saved_ref?: string;
  /** A check (the web board's pre-check): every refusal and the conflict prediction, nothing changed. */
  readonly dry_run?: true;
  /** Dry run: whether the merge would go in. */
  readonly would_merge?: boolean;
  /** Dry run: the commits it would bring in. */
  readonly commits_to_merge?: number;
  readonly hint: string;
}

type Outcome = Pick<MergeOutcome, "task_id" | "strategy" | "base_branch" | "agent_branch" | "repo_root">;

/** The tasks (all versions of the topic) that share this worktree: their merge records count together. */
async function topicTasks(manager: TaskManager, worktree: string): Promise<string[]> {
  const ids: string[] = [];
  for (const id of await manager.store.listIds()) {
    const meta = await manager.store.readMeta(id).catch(() => undefined);
    if (meta?.git?.worktree_dir === worktree) ids.push(id);
  }
  return ids;
}

/** The merge of this exact branch head that already went in, if any. */
async function earlierMerge(
  manager: TaskManager,
  repo: string,
  worktree: string,
  branchHead: string,
): Promise<MergeRecord | undefined> {
  for (const id of await topicTasks(manager, worktree)) {
    const record = await readMergeRecord(manager, id);
    if (record?.branch_head !== branchHead) continue;
    const inBase = await gitMaybe(repo, [
      "merge-base",
      "--is-ancestor",
      record.base_after,
      record.base_branch,
    ]);
    if (inBase !== undefined) return record;
  }
  return undefined;
}

/** Undoes a merge this call started and could not finish; never anything else in the checkout. */
async function undoOwnMerge(repo: string, baseBefore: string, branchHead: string): Promise<void> {
  const mergeHead = (await gitMaybe(repo, ["rev-parse", "-q", "--verify", "MERGE_HEAD"]))?.trim();
  if (mergeHead === branchHead) {
    await gitMaybe(repo, ["merge", "--abort"]);
    return;
  }
  const head = (await gitMaybe(repo, ["rev-parse", "HEAD"]))?.trim();
  const squashMsg = await gitPath(repo, "SQUASH_MSG");
  if (head === baseBefore && (await pathExists(squashMsg))) {
    // A squash whose commit failed: the index holds our merge; unstaged edits made since stay.
    await gitMaybe(repo, ["reset", "--merge", "-q", baseBefore]);
    await fsp.rm(squashMsg, { force: true });
  }
}

/**
 * Merges a finished task's branch into its base branch in the checkout it was dispatched from.
 * Every check and the conflict prediction happen under the repository lock (the one dispatch
 * holds while it claims a task) and before anything changes.
 */
export async function mergeTask(
  manager: TaskManager,
  taskId: string,
  opts: {
    strategy: MergeStrategy;
    message?: string | undefined;
    commitUncommitted?: boolean | undefined;
    /** Check only: the same refusals and prediction, nothing changed (uncommitted work stays so). */
    dryRun?: boolean | undefined;
  },
): Promise<MergeOutcome> {
  const obs = await manager.observe(taskId);
  if (obs.damage) throw damagedError(obs, "merged");
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
  if (!(await pathExists(repo)))
    throw new UserError(
      `The checkout ${repo} the task was dispatched from no longer exists; merge ${branch} by hand.`,
    );
  const outcome: Outcome = {
    task_id: meta.task_id,
    strategy: opts.strategy,
    base_branch: base,
    agent_branch: branch,
    repo_root: repo,
  };
  const commonDir = path.resolve(repo, (await git(repo, ["rev-parse", "--git-common-dir"])).trim());
  return withLock(
    repoLockPath(manager.store, commonDir),
    // The worktree's own lock too: a dispatch into it holds only that one.
    () =>
      withLock(
        worktreeLockPath(manager.store, commonDir, worktree),
        async () => {
          const [busy] = await activeTasksIn(manager.store, manager.hosts, worktree);
          if (busy)
            throw new UserError(
              `Task ${busy.meta.task_id} is ${busy.status} in ${worktree}; wait for it before merging ${branch}.`,
            );
          await checkCheckout(repo, base);
          if (!(await branchExists(repo, branch))) {
            const merged = (
              await Promise.all(
                (await topicTasks(manager, worktree)).map((id) => readMergeRecord(manager, id)),
              )
            ).some(Boolean);
            throw new UserError(
              merged
                ? `${branch} was merged and has been cleaned up since; there is nothing left to merge.`
                : `${branch} no longer exists in ${repo} (deleted by hand?); there is nothing to merge. Its commits, if any were kept, are under refs/codexmcp/kept/ (git -C ${shellQuote(repo)} for-each-ref refs/codexmcp/kept/).`,
            );
          }
          if (await pathExists(worktree)) {
            await checkWorktree(worktree, branch);
            const pending = await dirtyPaths(worktree, true);
            if (pending.length > 0 && !opts.commitUncommitted) {
              throw new UserError(
                `The worktree ${worktree} has uncommitted work (${listed(pending)}); only commits are merged. Commit it (or ask the agent to with codex_reply), or pass commit_uncommitted: true to commit it as is. Nothing was changed.`,
              );
            }
            if (pending.length > 0 && !opts.dryRun) {
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
          return mergeChecked(manager, { outcome, meta, repo, worktree, base, branch, ...opts });
        },
        REPO_LOCK_WAIT,
      ),
    REPO_LOCK_WAIT,
  );
}

async function mergeChecked(
  manager: TaskManager,
  input: {
    outcome: Outcome;
    meta: TaskMeta;
    repo: string;
    worktree: string;
    base: string;
    branch: string;
    strategy: MergeStrategy;
    message?: string | undefined;
    dryRun?: boolean | undefined;
  },
): Promise<MergeOutcome> {
  const { outcome, meta, repo, worktree, base, branch, strategy } = input;
  const check = input.dryRun ? ({ dry_run: true, would_merge: false } as const) : {};
  const notMerged = (hint: string, extra: Partial<MergeOutcome> = {}): MergeOutcome => ({
    ...outcome,
    merged: false,
    commits_merged: 0,
    ...check,
    ...extra,
    hint,
  });
  const branchHead = (await git(repo, ["rev-parse", branch])).trim();
  const earlier = await earlierMerge(manager, repo, worktree, branchHead);
  if (earlier) {
    return notMerged(
      `${branch} is already merged: its head ${branchHead.slice(0, 12)} went into ${earlier.base_branch} by ${earlier.strategy} at ${earlier.merged_at}; nothing to merge. codex_cleanup removes the worktree.`,
    );
  }
  const ahead = await countCommits(repo, `${base}..${branch}`);
  if (ahead === 0)
    return notMerged(
      `${branch} has no commits that ${base} lacks: nothing to merge. codex_cleanup removes the worktree.`,
    );
  const baseBefore = (await git(repo, ["rev-parse", base])).trim();
  const baseTree = (await git(repo, ["rev-parse", `${base}^{tree}`])).trim();
  const message = input.message ?? `Merge ${branch} (codexmcp task ${meta.task_id})`;

  let resultTree: string;
  let rebased: string | undefined;
  if (strategy === "rebase") {
    const trial = await trialRebase(repo, base, branch);
    if ("conflicts" in trial) {
      return notMerged(
        `Rebasing ${branch} onto ${base} conflicts in ${listed(trial.conflicts)}; nothing was changed. Ask the agent to rebase and resolve (codex_reply), or use strategy "merge".`,
        { conflicts: trial.conflicts },
      );
    }
    rebased = trial.head;
    resultTree = (await git(repo, ["rev-parse", `${trial.head}^{tree}`])).trim();
  } else {
    const prediction = await predictMerge(repo, base, branch);
    if (!prediction.clean || !prediction.tree) {
      return notMerged(
        `Merging ${branch} into ${base} would conflict in ${listed(prediction.conflicts)}; nothing was changed. Ask the agent to merge ${base} into its branch and resolve (codex_reply), then merge again.`,
        { conflicts: prediction.conflicts },
      );
    }
    resultTree = prediction.tree;
  }
  if (resultTree === baseTree) {
    return notMerged(
      `${base} already has every change of ${branch} (it was merged before, e.g. squashed); nothing to merge. codex_cleanup removes the worktree.`,
    );
  }
  await checkCollisions(repo, resultTree);
  if (input.dryRun)
    return notMerged(
      `${strategy} would bring ${ahead} commit(s) of ${branch} into ${base} without conflicts. This was a check: nothing was changed.`,
      { would_merge: true, commits_to_merge: ahead },
    );

  let savedRef: string | undefined;
  try {
    if (rebased) {
      // The agent branch (codexmcp's own) follows its rebased commits, so it reads as merged;
      // the commits as they were stay reachable under refs/codexmcp/kept/.
      savedRef = `${await keptNamespace(repo, meta.topic_stem)}/pre-rebase`;
      await createRef(repo, savedRef, branchHead);
      await git(repo, ["merge", "--ff-only", "--quiet", rebased]);
      if (await pathExists(worktree)) await git(worktree, ["reset", "--keep", "--quiet", rebased]);
      else await git(repo, ["branch", "-f", branch, rebased]);
    } else if (strategy === "merge") {
      await git(repo, ["merge", "--no-ff", "--quiet", "-m", message, branch]);
    } else {
      await git(repo, ["merge", "--squash", "--quiet", branch]);
      await git(repo, ["commit", "--quiet", "--no-verify", "-m", message]);
    }
  } catch (err) {
    // Predicted clean, yet failed (a hook, a race with the user's own git): undo what this call did.
    if (!rebased) await undoOwnMerge(repo, baseBefore, branchHead);
    throw err;
  }
  const baseAfter = (await git(repo, ["rev-parse", base])).trim();
  const record: MergeRecord = {
    strategy,
    base_branch: base,
    agent_branch: branch,
    branch_head: rebased ?? branchHead,
    base_before: baseBefore,
    base_after: baseAfter,
    merged_at: nowIso(),
    ...(rebased ? { branch_head_before: branchHead } : {}),
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
    ...(savedRef ? { saved_ref: savedRef } : {}),
    hint: `${branch} is in ${base} (${strategy}). codex_cleanup(task_id="${meta.task_id}") removes the worktree and the merged branch.${savedRef ? ` The commits as they were before the rebase are kept at ${savedRef}.` : ""}`,
  };
}
