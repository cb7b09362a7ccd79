import { promises as fsp } from "node:fs";
import path from "node:path";
import { canonicalPath } from "../util/canonical-path.js";
import { gitMaybe } from "./git.js";

/**
 * A repository inside an agent worktree whose git dir goes when the worktree goes: a submodule
 * (its git dir lives under `.git/worktrees/<wt>/modules/`), or a repository the agent created
 * or cloned in the work tree (`x/.git`).
 */
export interface NestedRepo {
  /** Its git dir. */
  readonly gitDir: string;
  /** Its work tree, when it has one checked out. */
  readonly workTree: string | null;
  /** Path relative to the agent worktree ("sub", "vendor/lib"), or its module name. */
  readonly label: string;
  /** The module name (submodules): the same module in the user's checkout is `<common>/modules/<name>`. */
  readonly moduleName: string | null;
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

async function isGitDir(dir: string): Promise<boolean> {
  const [head, objects] = await Promise.all([
    fsp.lstat(path.join(dir, "HEAD")).catch(() => null),
    fsp.lstat(path.join(dir, "objects")).catch(() => null),
  ]);
  return Boolean(head?.isFile() && objects?.isDirectory());
}

/** Every git dir under `<gitDir>/modules/`, nested modules included, with its module name. */
async function moduleDirs(gitDir: string, prefix = ""): Promise<{ dir: string; name: string }[]> {
  const root = path.join(gitDir, "modules");
  const found: { dir: string; name: string }[] = [];
  const walk = async (dir: string, name: string, depth: number): Promise<void> => {
    if (depth > 8) return;
    if (await isGitDir(dir)) {
      found.push({ dir, name: `${prefix}${name}` });
      for (const sub of await moduleDirs(dir, `${prefix}${name}/`)) found.push(sub);
      return;
    }
    for (const entry of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory())
        await walk(path.join(dir, entry.name), name ? `${name}/${entry.name}` : entry.name, depth + 1);
    }
  };
  await walk(root, "", 0);
  return found;
}

async function workTreeOf(gitDir: string): Promise<string | null> {
  const configured = (await gitMaybe(gitDir, ["config", "--get", "core.worktree"]))?.trim();
  if (!configured) return null;
  const dir = path.resolve(gitDir, configured);
  return (await fsp.stat(dir).catch(() => null))?.isDirectory() ? canonicalPath(dir) : null;
}

/** Repositories checked out or created in `workTree` whose git dir is inside one of `doomed`. */
async function embedded(workTree: string, doomed: readonly string[]): Promise<string[]> {
  const status = await gitMaybe(workTree, [
    "status",
    "--porcelain=v1",
    "-z",
    "--untracked-files=all",
    "--ignore-submodules=all",
  ]);
  // With every untracked file listed, a directory entry ("x/") can only be a nested repository.
  const candidates = new Set<string>();
  for (const f of (status ?? "").split("\0"))
    if (f.startsWith("?? ") && f.endsWith("/")) candidates.add(f.slice(3, -1));
  const stage = (await gitMaybe(workTree, ["ls-files", "-s", "-z"])) ?? "";
  for (const f of stage.split("\0")) if (f.startsWith("160000 ")) candidates.add(f.split("\t")[1] ?? "");
  const found: string[] = [];
  for (const rel of candidates) {
    if (!rel) continue;
    const dir = path.join(workTree, rel);
    if (!(await fsp.lstat(path.join(dir, ".git")).catch(() => null))) continue;
    const gitDir = (await gitMaybe(dir, ["rev-parse", "--absolute-git-dir"]))?.trim();
    if (gitDir && doomed.some((d) => inside(gitDir, d))) found.push(await canonicalPath(gitDir));
  }
  return found;
}

/**
 * The nested repositories that removing the worktree `workTree` (git dir `worktreeGitDir`)
 * would delete: its submodules' git dirs, and repositories whose `.git` is inside the work tree,
 * found recursively in their own work trees too.
 */
export async function nestedRepos(workTree: string, worktreeGitDir: string): Promise<NestedRepo[]> {
  const doomed = [await canonicalPath(workTree), await canonicalPath(worktreeGitDir)];
  const byDir = new Map<string, NestedRepo>();
  for (const m of await moduleDirs(worktreeGitDir)) {
    const dir = await canonicalPath(m.dir);
    byDir.set(dir, { gitDir: dir, workTree: await workTreeOf(dir), label: m.name, moduleName: m.name });
  }
  const queue: { tree: string; depth: number }[] = [{ tree: workTree, depth: 0 }];
  for (const repo of byDir.values()) if (repo.workTree) queue.push({ tree: repo.workTree, depth: 1 });
  while (queue.length > 0) {
    const { tree, depth } = queue.shift() as { tree: string; depth: number };
    if (depth > 4) continue;
    for (const gitDir of await embedded(tree, doomed)) {
      if (byDir.has(gitDir)) continue;
      const repoTree = path.dirname(gitDir);
      const label = path.relative(workTree, repoTree) || path.basename(repoTree);
      byDir.set(gitDir, { gitDir, workTree: repoTree, label, moduleName: null });
      queue.push({ tree: repoTree, depth: depth + 1 });
    }
  }
  // Labels of submodules: the path in the worktree when checked out, else the module name.
  return [...byDir.values()].map((r) =>
    r.workTree && inside(r.workTree, doomed[0] as string)
      ? { ...r, label: path.relative(doomed[0] as string, r.workTree) || r.label }
      : r,
  );
}
