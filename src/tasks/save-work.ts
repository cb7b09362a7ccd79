import path from "node:path";
import type { TaskStore } from "../core/store.js";
import { gitMaybe } from "../git/git.js";
import {
  archiveEntries,
  commitUncommitted,
  fetchCommits,
  keepTips,
  keptNamespace,
  refSafe,
  stamp,
} from "../git/keep.js";
import { allRefsBut, commitsAtRisk, otherWorktreeHeads, type Tip } from "../git/reachability.js";
import { type NestedWork, nestedWithWork, type WorktreeWork } from "../git/work.js";
import { pathExists } from "../util/files.js";

export interface SavedWork {
  /** The commit of the worktree's uncommitted files (tracked and untracked). */
  readonly worktreeRef?: string;
  /** Every ref made; refs made in another repository read "<ref> in <git dir>". */
  readonly refs: string[];
  /** The tar archive of ignored files. */
  readonly archive?: string;
}

/** Where ignored files are archived: outside task directories, which retention prunes. */
function archivePath(store: TaskStore, repo: string, stem: string, when: Date): string {
  const repoName = refSafe(path.basename(repo)).replace(/\//g, "_");
  return path.join(store.layout.home, "kept", `${repoName}-${refSafe(stem)}`, `${stamp(when)}-ignored.tar`);
}

async function uniqueFile(file: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? file : file.replace(/\.tar$/, `-${n}.tar`);
    if (!(await pathExists(candidate))) return candidate;
  }
}

async function mainModuleDir(repo: string, name: string): Promise<string | null> {
  const common = (await gitMaybe(repo, ["rev-parse", "--path-format=absolute", "--git-common-dir"]))?.trim();
  if (!common) return null;
  const dir = path.join(common, "modules", name);
  return (await pathExists(path.join(dir, "HEAD"))) ? dir : null;
}

/**
 * A nested repository's work goes into a repository that stays: the user's checkout of the same
 * submodule when it has one (so `git submodule update` there finds the commits), else the
 * superproject itself.
 */
async function saveNested(
  repo: string,
  n: NestedWork,
  namespaceIn: (target: string) => Promise<string>,
): Promise<string[]> {
  const tips: Tip[] = [...n.atRisk.tips];
  if (n.repo.workTree && n.dirty.length > 0) {
    const sha = await commitUncommitted(n.repo.workTree, [], `codexmcp: uncommitted work in ${n.repo.label}`);
    tips.push({ sha, what: "uncommitted work" });
  }
  if (tips.length === 0) return [];
  const target = (n.repo.moduleName ? await mainModuleDir(repo, n.repo.moduleName) : null) ?? repo;
  const namespace = `${await namespaceIn(target)}/${n.repo.moduleName ? "module" : "nested"}/${refSafe(n.repo.label)}`;
  const refs = tips.map((t, i) => ({ sha: t.sha, ref: `${namespace}/${i + 1}` }));
  await fetchCommits(target, n.repo.gitDir, refs);
  return refs.map((r) => (target === repo ? r.ref : `${r.ref} in ${target}`));
}

/**
 * Keeps what removing the worktree would lose. Commits only in reflogs are always kept (cheap,
 * and no one is asked about them); with `everything` (a forced removal) also commits only this
 * worktree reaches, uncommitted work, ignored files that are work, and nested repositories' work.
 */
export async function saveWorktreeWork(
  store: TaskStore,
  input: { repo: string; stem: string; work: WorktreeWork; everything: boolean },
): Promise<SavedWork> {
  const { repo, stem, work } = input;
  const when = new Date();
  const namespaces = new Map<string, string>();
  const namespaceIn = async (target: string) => {
    const known = namespaces.get(target) ?? (await keptNamespace(target, stem, when));
    namespaces.set(target, known);
    return known;
  };
  const ns = () => namespaceIn(repo);
  const refs: string[] = [];
  if (work.reflogOnly.tips.length > 0)
    refs.push(...(await keepTips(repo, await ns(), "commits", work.reflogOnly.tips)));
  if (!input.everything) return { refs };

  if (work.unreachable.tips.length > 0)
    refs.push(...(await keepTips(repo, await ns(), "head", work.unreachable.tips)));
  let worktreeRef: string | undefined;
  if (work.dirty.length > 0) {
    const sha = await commitUncommitted(
      work.worktree,
      work.nestedPaths,
      `codexmcp: uncommitted work in ${work.worktree}, kept by a forced cleanup`,
    );
    [worktreeRef] = await keepTips(repo, await ns(), "worktree", [{ sha, what: "uncommitted work" }]);
    if (worktreeRef) refs.push(worktreeRef);
  }
  for (const n of nestedWithWork(work)) refs.push(...(await saveNested(repo, n, namespaceIn)));

  const ignored = [
    ...work.ignored.work,
    ...work.nested.flatMap((n) =>
      n.repo.workTree && n.ignored
        ? n.ignored.work.map(
            (rel) =>
              path.join(path.relative(work.worktree, n.repo.workTree as string), rel) +
              (rel.endsWith("/") ? "/" : ""),
          )
        : [],
    ),
  ].filter((rel) => !rel.startsWith(".."));
  let archive: string | undefined;
  if (ignored.length > 0) {
    archive = await uniqueFile(archivePath(store, repo, stem, when));
    await archiveEntries(work.worktree, ignored, archive);
  }
  return { ...(worktreeRef ? { worktreeRef } : {}), refs, ...(archive ? { archive } : {}) };
}

/** With the worktree already gone: keeps the commits only the branch about to be deleted reaches. */
export async function saveBranchCommits(
  repo: string,
  input: { stem: string; worktree: string; dropRefs: readonly string[]; tips: readonly Tip[] },
): Promise<SavedWork> {
  if (input.tips.length === 0) return { refs: [] };
  const kept = allRefsBut(input.dropRefs, await otherWorktreeHeads(repo, input.worktree));
  const risk = await commitsAtRisk(repo, input.tips, kept);
  if (risk.tips.length === 0) return { refs: [] };
  return { refs: await keepTips(repo, await keptNamespace(repo, input.stem), "merged", risk.tips) };
}
