import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { git } from "./git.js";

/**
 * One commit holding the work tree as it is: HEAD plus uncommitted and untracked (not ignored)
 * files, built through a throwaway index so the user's own index and work tree stay untouched.
 * Its parent is HEAD, so diffs against it count only what the agent does afterwards.
 */
export async function snapshotCommit(toplevel: string, head: string, message: string): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-snapshot-"));
  const env = { GIT_INDEX_FILE: path.join(dir, "index") };
  try {
    await git(toplevel, ["read-tree", head], env);
    await git(toplevel, ["add", "-A", "--", ":/"], env);
    const tree = (await git(toplevel, ["write-tree"], env)).trim();
    const headTree = (await git(toplevel, ["rev-parse", `${head}^{tree}`])).trim();
    // Nothing uncommitted: HEAD itself is the snapshot (no extra commit on the agent branch).
    if (tree === headTree) return head;
    return (
      await git(toplevel, ["commit-tree", tree, "-p", head, "-m", message], {
        GIT_AUTHOR_NAME: "codexmcp",
        GIT_AUTHOR_EMAIL: "codexmcp@localhost",
        GIT_COMMITTER_NAME: "codexmcp",
        GIT_COMMITTER_EMAIL: "codexmcp@localhost",
      })
    ).trim();
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** `git bundle create` of `refs` (minus commits the other side has) into a file; its bytes. */
export async function bundleBytes(
  repo: string,
  refs: readonly string[],
  exclude: readonly string[],
): Promise<Buffer> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-bundle-"));
  const file = path.join(dir, "x.bundle");
  try {
    await git(repo, ["bundle", "create", "--quiet", file, ...refs, ...exclude.map((c) => `^${c}`)]);
    return await fsp.readFile(file);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** Fetches `refspecs` from bundle bytes into `repo` (no hooks, no transport but the file). */
export async function fetchBundle(repo: string, bytes: Buffer, wanted: readonly string[]): Promise<void> {
  let refspecs = [...wanted];
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-bundle-"));
  const file = path.join(dir, "x.bundle");
  try {
    await fsp.writeFile(file, bytes, { mode: 0o600 });
    // A bundle leaves out refs whose commits the other side has: fetch only what it holds.
    const listed = new Set(
      (await git(repo, ["bundle", "list-heads", file]))
        .split("\n")
        .map((l) => l.split(" ")[1])
        .filter(Boolean),
    );
    refspecs = refspecs.filter((r) => listed.has(r.replace(/^\+/, "").split(":")[0] ?? ""));
    if (refspecs.length === 0) return;
    // The hardened git allows no transport; a bundle file is read through the file one (no
    // program runs: a bundle is read in-process).
    await git(repo, [
      "-c",
      "protocol.file.allow=always",
      "fetch",
      "--quiet",
      "--no-tags",
      "--no-write-fetch-head",
      "--no-auto-gc",
      file,
      ...refspecs,
    ]);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
