import path from "node:path";
import { pathExists } from "../util/files.js";
import { git, gitMaybe } from "./git.js";
import { classifyIgnored, type IgnoredWork } from "./ignored.js";
import { type NestedRepo, nestedRepos } from "./nested.js";
import { type Operation, operationsInProgress } from "./operations.js";
import {
  allRefsBut,
  commitsAtRisk,
  otherWorktreeHeads,
  reflogShas,
  reflogTipsUnder,
  stateFileTips,
  type Tip,
} from "./reachability.js";

/**
 * What counts as work in an agent worktree, and what removing it would lose. Work is every
 * commit that only this worktree reaches (a detached HEAD, its own refs, unfinished operations,
 * its reflogs), every uncommitted or untracked change, every ignored file that is not
 * regenerable, and all of that again in the repositories nested in it (submodules, clones).
 */
export interface AtRisk {
  readonly commits: number;
  readonly tips: readonly Tip[];
}

export interface NestedWork {
  readonly repo: NestedRepo;
  /** Commits in no remote-tracking ref and not in the user's checkout of the same module. */
  readonly atRisk: AtRisk;
  readonly dirty: readonly string[];
  readonly operations: readonly Operation[];
  readonly ignored: IgnoredWork | null;
}

export interface WorktreeWork {
  readonly worktree: string;
  readonly gitDir: string;
  /** The branch the worktree is on (short name), null when HEAD is detached. */
  readonly branch: string | null;
  readonly head: string | null;
  /** Commits that HEAD, the worktree's own refs or unfinished operations hold and no kept ref reaches. */
  readonly unreachable: AtRisk;
  /**
   * Commits only in reflogs or state files like ORIG_HEAD (superseded by an amend, a reset, a
   * rebase): saved without asking.
   */
  readonly reflogOnly: AtRisk;
  /** `git status` lines of uncommitted and untracked changes. */
  readonly dirty: readonly string[];
  /** Paths of nested repositories (left out of a save of the worktree's own files). */
  readonly nestedPaths: readonly string[];
  readonly operations: readonly Operation[];
  readonly ignored: IgnoredWork;
  readonly nested: readonly NestedWork[];
}

const NONE: AtRisk = { commits: 0, tips: [] };

async function statusLines(workTree: string): Promise<string[]> {
  const out = await git(workTree, ["status", "--porcelain=v1", "-z", "--untracked-files=all"]);
  return out.split("\0").filter((f) => f.length > 3);
}

async function refTips(dir: string, patterns: readonly string[], what: string): Promise<Tip[]> {
  const out = await gitMaybe(dir, ["for-each-ref", "--format=%(objectname) %(refname)", ...patterns]);
  return (out ?? "")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [sha = "", name = ""] = line.split(" ");
      return { sha, what: `${what} ${name}` };
    });
}

async function nestedWork(repo: NestedRepo, checkout: string | null): Promise<NestedWork> {
  const dir = repo.gitDir;
  const head = (await gitMaybe(dir, ["rev-parse", "-q", "--verify", "HEAD^{commit}"]))?.trim();
  const tips: Tip[] = [
    ...(head ? [{ sha: head, what: `${repo.label} HEAD` }] : []),
    ...(await refTips(dir, [], repo.label)).filter((t) => !t.what.includes(" refs/remotes/")),
    ...(await reflogTipsUnder(path.join(dir, "logs"), `${repo.label} reflog`)),
    ...(await stateFileTips(dir)),
  ];
  let atRisk: AtRisk = await commitsAtRisk(dir, tips, ["--remotes"]);
  // The user's checkout of the same submodule may have them already.
  const main = repo.moduleName && checkout ? await mainModuleDir(checkout, repo.moduleName) : null;
  if (main && atRisk.tips.length > 0) {
    const elsewhere: Tip[] = [];
    for (const tip of atRisk.tips) {
      const holders = await gitMaybe(main, ["for-each-ref", "--count=1", "--contains", tip.sha]);
      if (!holders?.trim()) elsewhere.push(tip);
    }
    atRisk = elsewhere.length === 0 ? NONE : { commits: atRisk.commits, tips: elsewhere };
  }
  const tree = repo.workTree;
  const counterpart = checkout && tree ? path.join(checkout, repo.label) : null;
  return {
    repo,
    atRisk,
    dirty: tree ? (await statusLines(tree)).filter((l) => !l.endsWith("/")) : [],
    operations: tree ? await operationsInProgress(tree) : [],
    ignored: tree
      ? await classifyIgnored(tree, counterpart && (await pathExists(counterpart)) ? counterpart : null)
      : null,
  };
}

/** The git dir of module `name` in the user's checkout, if it has one. */
async function mainModuleDir(checkout: string, name: string): Promise<string | null> {
  const common = (
    await gitMaybe(checkout, ["rev-parse", "--path-format=absolute", "--git-common-dir"])
  )?.trim();
  if (!common) return null;
  const dir = path.join(common, "modules", name);
  return (await pathExists(path.join(dir, "HEAD"))) ? dir : null;
}

/**
 * Assesses the worktree `worktree` of the repository whose user checkout is `checkout`, as if
 * the worktree were removed and `dropRefs` (the merged agent branch) deleted.
 */
export async function assessWorktree(input: {
  readonly checkout: string;
  readonly worktree: string;
  readonly dropRefs: readonly string[];
  /** Commits to keep without asking (a squash-merged branch about to be deleted). */
  readonly autoSave?: readonly Tip[];
}): Promise<WorktreeWork> {
  const { checkout, worktree } = input;
  const gitDir = (await git(worktree, ["rev-parse", "--absolute-git-dir"])).trim();
  const common = (await git(worktree, ["rev-parse", "--path-format=absolute", "--git-common-dir"])).trim();
  const branchRef = (await gitMaybe(worktree, ["symbolic-ref", "-q", "HEAD"]))?.trim() || null;
  const head = (await gitMaybe(worktree, ["rev-parse", "-q", "--verify", "HEAD^{commit}"]))?.trim() || null;
  const kept = allRefsBut(input.dropRefs, await otherWorktreeHeads(checkout, worktree));

  const held: Tip[] = [
    ...(head ? [{ sha: head, what: "HEAD" }] : []),
    ...(await refTips(worktree, ["refs/bisect", "refs/worktree", "refs/rewritten"], "ref")),
  ];
  const autoSave = input.autoSave ?? [];
  const unreachable = await commitsAtRisk(checkout, held, [...kept, ...autoSave.map((t) => t.sha)]);
  const logged: Tip[] = [
    ...(await reflogShas(path.join(gitDir, "logs", "HEAD"))).map((sha) => ({ sha, what: "HEAD reflog" })),
    ...(await reflogTipsUnder(path.join(gitDir, "logs", "refs"), "reflog")),
    // ORIG_HEAD, FETCH_HEAD and an unfinished operation's state (refused on its own) name
    // commits that, like reflog entries, nothing else may hold.
    ...(await stateFileTips(gitDir)),
    ...autoSave,
  ];
  for (const ref of input.dropRefs)
    for (const sha of await reflogShas(path.join(common, "logs", ref)))
      logged.push({ sha, what: `${ref} reflog` });
  const reflogOnly = await commitsAtRisk(checkout, logged, [...kept, ...unreachable.tips.map((t) => t.sha)]);

  const repos = await nestedRepos(worktree, gitDir);
  const nestedPaths = repos
    .filter((r) => r.workTree && !path.relative(worktree, r.workTree).startsWith(".."))
    .map((r) => path.relative(worktree, r.workTree as string));
  const nested: NestedWork[] = [];
  for (const repo of repos) nested.push(await nestedWork(repo, checkout));
  return {
    worktree,
    gitDir,
    branch: branchRef?.replace(/^refs\/heads\//, "") ?? null,
    head,
    unreachable,
    reflogOnly,
    dirty: await statusLines(worktree),
    nestedPaths,
    operations: await operationsInProgress(worktree),
    ignored: await classifyIgnored(worktree, checkout),
    nested,
  };
}

/** Nested repositories that hold work (commits found nowhere else, changes, ignored files, operations). */
export function nestedWithWork(work: WorktreeWork): NestedWork[] {
  return work.nested.filter(
    (n) =>
      n.atRisk.tips.length > 0 ||
      n.dirty.length > 0 ||
      n.operations.length > 0 ||
      (n.ignored?.work.length ?? 0) > 0,
  );
}
