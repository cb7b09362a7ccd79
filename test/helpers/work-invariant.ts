import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * "Nothing of the user's or the agent's is lost", checked from outside: snapshot every object
 * reachable in the repositories (refs, every work tree's HEAD, reflogs, indexes) and every file
 * in the work trees (ignored ones too) before a scenario; afterwards every such object must
 * still be reachable in one of the repositories, `git fsck` must not call any of them
 * unreachable, every file must be in place or saved (committed anywhere reachable, or in a
 * reported archive), and every ref made under refs/codexmcp/ must have been reported.
 */
export interface WorkSnapshot {
  readonly repos: readonly string[];
  readonly dirs: readonly string[];
  /** Object id → where it was seen. */
  readonly objects: ReadonlyMap<string, string>;
  /** Absolute path → git blob id of its content (symlinks: of their target). */
  readonly files: ReadonlyMap<string, string>;
  /** refs/codexmcp/* refs that existed before, per repository. */
  readonly keptRefs: ReadonlySet<string>;
}

function git(dir: string, args: readonly string[]): string {
  return execFileSync("git", [...args], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
  });
}

function blobId(content: Buffer): string {
  return createHash("sha1")
    .update(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]))
    .digest("hex");
}

/** sha → paths it was reachable at, over the repositories that still exist. */
function reachable(repos: readonly string[]): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const repo of repos) {
    if (!existsSync(repo)) continue;
    let out: string;
    try {
      out = git(repo, ["rev-list", "--objects", "--all", "--reflog", "--indexed-objects"]);
    } catch {
      out = git(repo, ["rev-list", "--objects", "--all", "--reflog"]);
    }
    for (const line of out.split("\n")) {
      if (!line) continue;
      const sp = line.indexOf(" ");
      const sha = sp < 0 ? line : line.slice(0, sp);
      const at = sp < 0 ? "" : line.slice(sp + 1);
      const set = found.get(sha) ?? new Set<string>();
      set.add(at);
      found.set(sha, set);
    }
  }
  return found;
}

/**
 * Every (path, blob) a reachable commit holds, as "path\0blob": the union of every commit's
 * changes (a path in a commit was added or changed by it or an ancestor). `rev-list --objects`
 * names a blob by its first path only, so it cannot answer "is this file at this path".
 */
export function committedFiles(repos: readonly string[]): Set<string> {
  const found = new Set<string>();
  for (const repo of repos) {
    if (!existsSync(repo)) continue;
    const out = git(repo, [
      "log",
      "--all",
      "--reflog",
      "--raw",
      "-z",
      "--no-abbrev",
      "--format=",
      "--root",
      "-m",
      "--no-renames",
    ]);
    const fields = out.split("\0");
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const meta = fields[i]?.replace(/^\n+/, "") ?? "";
      const file = fields[i + 1] ?? "";
      const blob = meta.split(" ")[3];
      if (blob && !/^0+$/.test(blob)) found.add(`${file}\0${blob}`);
    }
  }
  return found;
}

function keptRefs(repos: readonly string[]): Set<string> {
  const refs = new Set<string>();
  for (const repo of repos) {
    if (!existsSync(repo)) continue;
    for (const name of git(repo, ["for-each-ref", "--format=%(refname)", "refs/codexmcp/"]).split("\n"))
      if (name) refs.add(name);
  }
  return refs;
}

async function walk(root: string, out: Map<string, string>, rel = ""): Promise<void> {
  const dir = path.join(root, rel);
  for (const entry of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.name === ".git" || (rel === "" && entry.name === ".codex-tasks")) continue;
    const child = path.join(dir, entry.name);
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await walk(root, out, childRel);
    else if (entry.isSymbolicLink()) out.set(child, blobId(Buffer.from(await fsp.readlink(child))));
    else if (entry.isFile()) out.set(child, blobId(await fsp.readFile(child)));
  }
}

/**
 * `repos`: directories git runs in (checkouts, or git dirs of nested repositories whose objects
 * count). `dirs`: work trees whose files count.
 */
export async function snapshotWork(repos: readonly string[], dirs: readonly string[]): Promise<WorkSnapshot> {
  const objects = new Map<string, string>();
  for (const [sha, at] of reachable(repos)) objects.set(sha, [...at][0] ?? "");
  const files = new Map<string, string>();
  for (const dir of dirs) await walk(dir, files);
  return { repos, dirs, objects, files, keptRefs: keptRefs(repos) };
}

async function archiveFiles(archives: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const archive of archives) {
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "invariant-tar-"));
    try {
      execFileSync("tar", ["-x", "-f", archive, "-C", tmp]);
      const inside = new Map<string, string>();
      await walk(tmp, inside);
      for (const [abs, sha] of inside) found.set(path.relative(tmp, abs), sha);
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  }
  return found;
}

async function contentAt(file: string): Promise<string | undefined> {
  const st = await fsp.lstat(file).catch(() => null);
  if (st?.isSymbolicLink()) return blobId(Buffer.from(await fsp.readlink(file)));
  if (st?.isFile()) return blobId(await fsp.readFile(file));
  return undefined;
}

export interface CheckOptions {
  /** Repositories to look in afterwards (default: the snapshot's; add ones work may be saved to). */
  readonly repos?: readonly string[];
  /** Archives the tools reported (ignored files saved as tar). */
  readonly archives?: readonly string[];
  /** Refs the tools reported having made (refs/codexmcp/…); "<ref> in <dir>" is accepted too. */
  readonly reportedRefs?: readonly string[];
  /** Files that may go without being saved: regenerable ones the tools reported discarding. */
  readonly mayDiscard?: (file: string) => boolean;
}

/** Every way the scenario lost something; [] when nothing was lost. */
export async function workLost(before: WorkSnapshot, opts: CheckOptions = {}): Promise<string[]> {
  const repos = opts.repos ?? before.repos;
  const after = reachable(repos);
  const problems: string[] = [];
  for (const [sha, at] of before.objects) {
    if (!after.has(sha)) problems.push(`object ${sha} (${at || "commit"}) is no longer reachable`);
  }
  for (const repo of repos) {
    if (!existsSync(repo)) continue;
    const fsck = git(repo, ["fsck", "--unreachable", "--no-progress"]);
    for (const line of fsck.split("\n")) {
      const sha = line.split(" ")[2];
      if (sha && before.objects.has(sha)) problems.push(`git fsck in ${repo}: ${line}`);
    }
  }
  const tarred = await archiveFiles(opts.archives ?? []);
  const committed = [...committedFiles(repos)].map((e) => e.split("\0") as [string, string]);
  const tarredIds = new Set(tarred.values());
  for (const [file, sha] of before.files) {
    if ((await contentAt(file)) === sha) continue;
    // The same file, byte for byte, at the same place in another work tree that stays.
    const home = before.dirs.find((d) => file.startsWith(`${d}/`));
    const rel = home ? path.relative(home, file) : undefined;
    const copies = await Promise.all(
      before.dirs.filter((d) => d !== home).map((d) => contentAt(path.join(d, rel ?? "\0"))),
    );
    if (rel && copies.includes(sha)) continue;
    if (committed.some(([p, blob]) => blob === sha && file.endsWith(`/${p}`))) continue;
    if (tarredIds.has(sha) && [...tarred].some(([rel, id]) => id === sha && file.endsWith(`/${rel}`)))
      continue;
    if (opts.mayDiscard?.(file)) continue;
    problems.push(`file ${file} (${sha.slice(0, 12)}) is gone and saved nowhere`);
  }
  const reported = new Set((opts.reportedRefs ?? []).map((r) => r.split(" in ")[0]));
  for (const ref of keptRefs(repos)) {
    if (!before.keptRefs.has(ref) && !reported.has(ref)) problems.push(`${ref} was made but not reported`);
  }
  return problems;
}
