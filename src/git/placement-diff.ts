import type { DiffFacts } from "../core/result.js";
import type { GitPlacement } from "../core/types.js";

/**
 * Diff facts of a worktree task against its recorded base commit. A failure (the worktree was
 * removed meanwhile) gives undefined and is reported through `onError`, so the transcript says
 * why the stats are missing.
 */
export async function placementDiff(
  git: GitPlacement | null,
  onError?: (message: string) => void,
): Promise<DiffFacts | undefined> {
  if (!git) return undefined;
  try {
    // Loaded here: only worktree tasks need git, and the runner starts faster without it.
    const { diffStat } = await import("./diffstat.js");
    return await diffStat(git.worktree_dir, git.base_commit);
  } catch (err) {
    onError?.(`diff stats unavailable: ${err instanceof Error ? err.message.trim() : String(err)}`);
    return undefined;
  }
}
