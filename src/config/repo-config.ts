import os from "node:os";
import path from "node:path";
import { loadYamlConfig } from "./load.js";
import { type RepoConfig, repoConfigSchema } from "./schema.js";

export const REPO_CONFIG_FILE = ".codexmcp.yaml";

/** Repository settings over user defaults, key by key (`worktree` and `env` merge one level deeper). */
export function mergeRepoConfig(defaults: RepoConfig, repo: RepoConfig): RepoConfig {
  return {
    ...defaults,
    ...repo,
    worktree: defaults.worktree || repo.worktree ? { ...defaults.worktree, ...repo.worktree } : undefined,
    env: defaults.env || repo.env ? { ...defaults.env, ...repo.env } : undefined,
  };
}

/** `<root>/.codexmcp.yaml` (validated; errors name the bad key) merged over the user's defaults. */
export async function loadRepoConfig(root: string, defaults: RepoConfig): Promise<RepoConfig> {
  const repo = (await loadYamlConfig(path.join(root, REPO_CONFIG_FILE), repoConfigSchema)) ?? {};
  return mergeRepoConfig(defaults, repo);
}

/** The directory worktrees of `repoRoot` go in: worktree.root, or the repository's parent. */
export function worktreeParent(repoRoot: string, root: string | undefined): string {
  if (!root) return path.dirname(repoRoot);
  if (root === "~" || root.startsWith("~/")) return path.join(os.homedir(), root.slice(1));
  return path.resolve(repoRoot, root);
}
