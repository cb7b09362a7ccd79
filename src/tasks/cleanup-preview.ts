import { nestedWithWork, type WorktreeWork } from "../git/work.js";

/**
 * What codex_cleanup would do to one worktree, decided by the same checks, with nothing done:
 * the web board shows it before a person clicks (the tool's answer after the click says where
 * each kept thing went).
 */
export interface CleanupPreviewItem {
  readonly worktree_dir: string | null;
  readonly tasks: readonly string[];
  readonly dry_run: true;
  readonly would_remove_worktree: boolean;
  readonly branch: string | null;
  readonly would_delete_branch: boolean;
  /** Whether the removal needs force (it keeps work it would otherwise refuse to lose). */
  readonly needs_force: boolean;
  /** What stays or is saved, in words. */
  readonly keeps: readonly string[];
  /** Regenerable ignored directories (dependencies, caches) that go with the worktree. */
  readonly discards: readonly string[];
}

const KEPT = "refs/codexmcp/kept/";

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? "" : "s"}`;
}

export function previewRemoval(input: {
  worktree: string | null;
  tasks: readonly string[];
  branch: string | null;
  /** The removal is forced past reasons to refuse: all of the work is saved. */
  force: boolean;
  exists?: boolean;
  deleteBranch?: boolean;
  unmerged?: { count: number; into: string } | undefined;
  work?: WorktreeWork | undefined;
}): CleanupPreviewItem {
  const { work, unmerged } = input;
  const keeps: string[] = [];
  if (input.branch && unmerged && unmerged.count > 0)
    keeps.push(`branch ${input.branch} stays: ${plural(unmerged.count, "commit")} not in ${unmerged.into}`);
  if (work) {
    if (work.reflogOnly.tips.length > 0)
      keeps.push(`${plural(work.reflogOnly.commits, "commit")} only its reflogs hold, under ${KEPT}`);
    if (input.force) {
      if (work.unreachable.tips.length > 0)
        keeps.push(`${plural(work.unreachable.commits, "commit")} in no branch, under ${KEPT}`);
      if (work.dirty.length > 0)
        keeps.push(
          `${plural(work.dirty.length, "uncommitted or untracked change")}, committed under ${KEPT}`,
        );
      if (work.ignored.work.length > 0)
        keeps.push(
          `${plural(work.ignored.files, "ignored file")} that are work (${work.ignored.work.slice(0, 6).join(", ")}${work.ignored.work.length > 6 ? ", …" : ""}), in a tar archive under $CODEXMCP_HOME/kept/`,
        );
      for (const n of nestedWithWork(work))
        keeps.push(`the work in ${n.repo.moduleName ? "submodule" : "nested repository"} ${n.repo.label}`);
    }
  }
  return {
    worktree_dir: input.worktree,
    tasks: input.tasks,
    dry_run: true,
    would_remove_worktree: input.exists === true,
    branch: input.branch,
    would_delete_branch: input.deleteBranch === true,
    needs_force: input.force,
    keeps,
    discards: work ? [...work.ignored.regenerable] : [],
  };
}
