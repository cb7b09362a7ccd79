import { promises as fsp } from "node:fs";
import path from "node:path";
import { canonicalPath } from "../util/canonical-path.js";
import { keepTips, keptNamespace } from "./keep.js";
import {
  allRefsBut,
  commitsAtRisk,
  otherWorktreeHeads,
  reflogTipsUnder,
  stateFileTips,
  type Tip,
} from "./reachability.js";

/**
 * A worktree whose directory was deleted by hand still has its admin dir
 * (`<common>/worktrees/<name>/`): its HEAD, reflog, own refs and index, which may be the only
 * place some commits are reachable from. `git worktree prune` would delete all of that for every
 * such worktree of the repository at once; codexmcp instead keeps those commits under
 * refs/codexmcp/kept/ and removes only the admin dir of the worktree it is dealing with.
 */
export async function adminDirOf(commonDir: string, worktree: string): Promise<string | undefined> {
  const root = path.join(commonDir, "worktrees");
  const want = await canonicalPath(worktree);
  for (const name of await fsp.readdir(root).catch(() => [] as string[])) {
    const gitdir = (await fsp.readFile(path.join(root, name, "gitdir"), "utf8").catch(() => "")).replace(
      /\n$/,
      "",
    );
    if (gitdir && (await canonicalPath(path.dirname(gitdir))) === want) return path.join(root, name);
  }
  return undefined;
}

async function refFiles(dir: string, rel = ""): Promise<Tip[]> {
  const tips: Tip[] = [];
  for (const entry of await fsp.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => [])) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) tips.push(...(await refFiles(dir, child)));
    else {
      const sha = (await fsp.readFile(path.join(dir, child), "utf8").catch(() => "")).trim();
      if (/^[0-9a-f]{40,64}$/.test(sha)) tips.push({ sha, what: `refs/${child}` });
    }
  }
  return tips;
}

/**
 * Keeps the commits only the admin dir of the (deleted) worktree `worktree` reaches, then removes
 * that admin dir. Returns the refs made. Callers hold the repository lock.
 */
export async function salvageMissingWorktree(
  repo: string,
  commonDir: string,
  worktree: string,
  stem: string,
): Promise<string[]> {
  const admin = await adminDirOf(commonDir, worktree);
  if (!admin) return [];
  const head = (await fsp.readFile(path.join(admin, "HEAD"), "utf8").catch(() => "")).trim();
  const tips: Tip[] = [
    ...(/^[0-9a-f]{40,64}$/.test(head) ? [{ sha: head, what: "HEAD" }] : []),
    ...(await refFiles(path.join(admin, "refs"))),
    ...(await reflogTipsUnder(path.join(admin, "logs"), "reflog")),
    ...(await stateFileTips(admin)),
  ];
  const risk = await commitsAtRisk(repo, tips, allRefsBut([], await otherWorktreeHeads(repo, worktree)));
  const kept =
    risk.tips.length > 0
      ? await keepTips(repo, await keptNamespace(repo, stem), "deleted-worktree", risk.tips)
      : [];
  await fsp.rm(admin, { recursive: true, force: true });
  return kept;
}
