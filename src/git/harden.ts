/**
 * Git run by codexmcp must never execute a program that a repository configured: an agent can
 * write its worktree's config (or redirect `.git` to a config of its own), and codexmcp's git
 * runs outside any sandbox, in processes cancel and timeouts do not track.
 *
 * Two layers, both as `-c` options (command scope: they win over every config file, and git
 * hands them to the git processes it starts itself, e.g. in submodules):
 * - fixed settings that switch off every hook and program git could run for the commands
 *   codexmcp uses, whatever any config says (hooks, fsmonitor, transports and their helpers,
 *   editors, pagers, signing, auto-gc, submodule recursion);
 * - per repository, the attribute-selected drivers (`filter.<d>.*`, `diff.<d>.*`,
 *   `merge.<d>.driver`) that repository-level config (local or worktree scope, includes
 *   included) defines: each is set back to the user's own global/system value, or neutralised.
 *   The user's own drivers (git-lfs from ~/.gitconfig) keep working.
 * Diff-family commands also get `--no-ext-diff --no-textconv` (see `hardenArgs`).
 */

/** Always in force for codexmcp's git. */
export const FIXED_CONFIG: readonly (readonly [string, string])[] = [
  // Hooks of every kind (pre-commit, post-checkout, reference-transaction, post-index-change…).
  ["core.hooksPath", "/dev/null"],
  ["core.fsmonitor", "false"],
  // No transport at all: lazy fetches of partial clones, remote helpers, ssh, upload-pack.
  ["protocol.allow", "never"],
  ["credential.helper", ""],
  ["core.askPass", ""],
  ["core.editor", "false"],
  ["sequence.editor", "false"],
  ["core.pager", "cat"],
  ["color.ui", "false"],
  ["commit.gpgSign", "false"],
  ["tag.gpgSign", "false"],
  ["merge.verifySignatures", "false"],
  ["log.showSignature", "false"],
  ["gpg.program", "false"],
  ["gpg.ssh.program", "false"],
  ["gpg.x509.program", "false"],
  // Background gc/maintenance would outlive the command (and run hooks of its own).
  ["gc.auto", "0"],
  ["maintenance.auto", "false"],
  // Git checks a dirty submodule by running git inside it, under that repository's config.
  ["submodule.recurse", "false"],
  ["diff.ignoreSubmodules", "dirty"],
  ["status.submoduleSummary", "false"],
];

/** Neutral values for driver keys a repository defined and the user did not. */
const DRIVER_KEYS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // An empty filter command means "no filter": content passes through unchanged.
  filter: { clean: "", smudge: "", process: "", required: "false" },
  diff: { textconv: "", command: "" },
  // `false` makes the file a conflict: codexmcp reports it rather than guessing a merge.
  merge: { driver: "false" },
};

interface ConfigEntry {
  readonly scope: string;
  readonly key: string;
  readonly value: string;
}

/** `git config --list --show-scope -z` output: `scope\0key\nvalue\0` (no `\n` for a bare key). */
export function parseScopedConfig(out: string): ConfigEntry[] {
  const fields = out.split("\0");
  const entries: ConfigEntry[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const scope = fields[i] ?? "";
    const kv = fields[i + 1] ?? "";
    const nl = kv.indexOf("\n");
    entries.push({
      scope,
      key: nl < 0 ? kv : kv.slice(0, nl),
      value: nl < 0 ? "true" : kv.slice(nl + 1),
    });
  }
  return entries;
}

/** Splits `section.sub.section.name` into its parts (the subsection may contain dots). */
function splitKey(key: string): { section: string; sub: string; name: string } | undefined {
  const first = key.indexOf(".");
  const last = key.lastIndexOf(".");
  if (first < 0 || last === first) return undefined;
  return {
    section: key.slice(0, first).toLowerCase(),
    sub: key.slice(first + 1, last),
    name: key.slice(last + 1).toLowerCase(),
  };
}

const REPOSITORY_SCOPES = new Set(["local", "worktree"]);

/**
 * The `-c` pairs that disarm the drivers repository-level config defines. For each driver a
 * repository mentions, every program key of it is pinned: to the user's own (global/system)
 * value when there is one, else to a neutral value.
 */
export function driverOverrides(entries: readonly ConfigEntry[]): [string, string][] {
  const drivers = new Map<string, { section: string; sub: string }>();
  const userValues = new Map<string, string>();
  for (const e of entries) {
    const parts = splitKey(e.key);
    if (!parts || !(parts.section in DRIVER_KEYS)) continue;
    const id = `${parts.section}.${parts.sub}`;
    if (REPOSITORY_SCOPES.has(e.scope)) drivers.set(id, parts);
    else if (e.scope === "global" || e.scope === "system") userValues.set(`${id}.${parts.name}`, e.value);
  }
  const out: [string, string][] = [];
  for (const [id, { section }] of drivers) {
    for (const [name, neutral] of Object.entries(DRIVER_KEYS[section] ?? {})) {
      out.push([`${id}.${name}`, userValues.get(`${id}.${name}`) ?? neutral]);
    }
  }
  return out;
}

/**
 * Options added right after the subcommand: no external diff or textconv program, and no
 * `git status` run inside a dirty submodule or nested repository (plumbing diffs ignore
 * `diff.ignoreSubmodules`, so they need the flag).
 */
const SUBCOMMAND_FLAGS: Readonly<Record<string, readonly string[]>> = {
  diff: ["--no-ext-diff", "--no-textconv", "--ignore-submodules=dirty"],
  "diff-files": ["--no-ext-diff", "--no-textconv", "--ignore-submodules=dirty"],
  "diff-index": ["--no-ext-diff", "--no-textconv", "--ignore-submodules=dirty"],
  "diff-tree": ["--no-ext-diff", "--no-textconv"],
  log: ["--no-ext-diff", "--no-textconv"],
  show: ["--no-ext-diff", "--no-textconv"],
};

/**
 * Commands that read or write only refs and git's own bookkeeping: they never check out, hash,
 * diff or merge file content, so no attribute-selected driver (filter, diff, merge) can run,
 * and the hooks they could fire (reference-transaction) are off through FIXED_CONFIG, which
 * they still get. For these the per-repository `git config --list` scan that finds drivers to
 * disarm is skipped (one git process less each). Never list here a command that touches the
 * work tree or the index (checkout, add, status, worktree add/remove, ls-files, which may
 * re-hash a file through its clean filter), shows content (diff, log, show, cat-file with
 * --textconv/--filters) or merges.
 */
const REF_ONLY: Readonly<Record<string, (rest: readonly string[]) => boolean>> = {
  // Parses revisions, prints paths of the repository: no content, no programs.
  "rev-parse": () => true,
  // Reads or points HEAD: a ref update, nothing checked out.
  "symbolic-ref": () => true,
  // List refs and their object names (a --format may read an object's header, never a filter).
  "show-ref": () => true,
  "for-each-ref": () => true,
  // Writes one ref; its only hook, reference-transaction, is off (core.hooksPath).
  "update-ref": () => true,
  // Walk the commit graph; compare trees by object name, never file content.
  "merge-base": () => true,
  "rev-list": () => true,
  // list reads the worktrees' admin files; prune deletes admin dirs of missing worktrees.
  // Every other worktree subcommand checks out or inspects a work tree: scanned.
  worktree: (rest) => rest[0] === "list" || rest[0] === "prune",
};

/** Whether `git <args>` can run a repository-configured driver, so its config must be scanned first. */
export function needsDriverScan(args: readonly string[]): boolean {
  const [sub, ...rest] = args;
  const refOnly = sub === undefined ? undefined : REF_ONLY[sub];
  return !refOnly?.(rest);
}

/** `-c` options, then the subcommand with its hardening flags. */
export function hardenArgs(
  args: readonly string[],
  overrides: readonly (readonly [string, string])[],
): string[] {
  const config = [...FIXED_CONFIG, ...overrides].flatMap(([k, v]) => ["-c", `${k}=${v}`]);
  const [sub, ...rest] = args;
  const flags = sub === undefined ? undefined : SUBCOMMAND_FLAGS[sub];
  if (sub !== undefined && flags) return ["--no-pager", ...config, sub, ...flags, ...rest];
  return ["--no-pager", ...config, ...args];
}

/** Gitlink paths (submodules, nested repositories) in `git ls-files --stage -z` output. */
export function gitlinkPaths(stage: string): string[] {
  return stage
    .split("\0")
    .filter((e) => e.startsWith("160000 "))
    .map((e) => e.slice(e.indexOf("\t") + 1));
}
