/**
 * The `git` rule: which subcommands (in which forms) change the work tree, index, refs, config or remotes.
 */

import type { Ctx, Rule } from "./context.js";
import { firstOperand, flag, has, list, type OptSpec, optValue, parseArgs } from "./options.js";

// git: subcommands that change something, and what they change.
const GIT_AREAS: Readonly<Record<string, string>> = {
  add: "the index",
  rm: "the work tree and index",
  mv: "the work tree and index",
  "update-index": "the index",
  "read-tree": "the index",
  commit: "the current branch",
  reset: "HEAD and the index",
  checkout: "the work tree",
  switch: "the work tree",
  restore: "the work tree",
  "checkout-index": "the work tree",
  apply: "the work tree",
  am: "the current branch",
  "cherry-pick": "the current branch",
  revert: "the current branch",
  merge: "the current branch",
  rebase: "the current branch",
  pull: "the current branch",
  push: "the remote",
  fetch: "remote-tracking refs",
  clean: "the work tree",
  stash: "the stash",
  branch: "branches",
  tag: "tags",
  config: "git config",
  worktree: "worktrees",
  submodule: "submodules",
  notes: "notes",
  remote: "remotes",
  reflog: "the reflog",
  "symbolic-ref": "refs",
  "update-ref": "refs",
  "pack-refs": "refs",
  replace: "refs",
  "filter-branch": "history",
  bisect: "the work tree",
  "sparse-checkout": "the work tree",
  "hash-object": "the object store",
  gc: "the object store",
  prune: "the object store",
  repack: "the object store",
  maintenance: "the object store",
  init: "the repository",
  clone: "the file system",
  "format-patch": "the file system",
  archive: "the file system",
};

const oneOf =
  (...subs: string[]) =>
  (a: readonly string[], spec?: OptSpec): boolean =>
    subs.includes(firstOperand(a, spec));

// Subcommands that write only in some forms; the others in GIT_AREAS always write.
const GIT_WRITES_WHEN: Readonly<Record<string, (a: string[]) => boolean>> = {
  apply: (a) =>
    a.includes("--apply") || !["--check", "--stat", "--numstat", "--summary"].some((f) => a.includes(f)),
  checkout: (a) => a.length > 0,
  clean: (a) => !flag(a, "-n", "--dry-run"),
  prune: (a) => !flag(a, "-n", "--dry-run"),
  push: (a) => !flag(a, "-n", "--dry-run"),
  fetch: (a) => !a.includes("--dry-run"),
  commit: (a) => !a.includes("--dry-run"),
  stash: (a) => !["list", "show"].includes(a[0] ?? ""),
  branch: (a) => {
    const p = parseArgs(a, {
      value: "u",
      long: list(
        "--set-upstream-to --contains --no-contains --merged --no-merged --points-at --sort --format",
      ),
    });
    if (has(p, "-d", "-D", "--delete", "-m", "-M", "--move", "-c", "-C", "--copy", "-u", "--set-upstream-to"))
      return true;
    if (has(p, "--unset-upstream", "--edit-description")) return true;
    const listing = list("-l --list -a --all -r --remotes --show-current --contains --no-contains");
    return p.operands.length > 0 && !has(p, ...listing, "--merged", "--no-merged", "--points-at");
  },
  tag: (a) => {
    const p = parseArgs(a, {
      value: "muF",
      attached: "n",
      long: list("--message --file --local-user --contains --no-contains --points-at --sort --format"),
    });
    if (has(p, "-d", "--delete", "-a", "--annotate", "-s", "--sign", "-u", "--local-user", "-m", "--message"))
      return true;
    if (has(p, "-F", "--file", "-f", "--force")) return true;
    const listing = ["-l", "--list", "-n", "--contains", "--no-contains", "--points-at", "-v", "--verify"];
    return p.operands.length > 0 && !has(p, ...listing, "--merged", "--no-merged");
  },
  config: (a) => {
    const p = parseArgs(a, { value: "f", long: ["--file", "--blob", "--type", "--default", "--comment"] });
    const verb = p.operands[0] ?? "";
    if (["get", "list"].includes(verb)) return false;
    if (["set", "unset", "rename-section", "remove-section", "edit"].includes(verb)) return true;
    const setting = list(
      "--unset --unset-all --add --replace-all --rename-section --remove-section -e --edit",
    );
    if (has(p, ...setting)) return true;
    const getting = list("--get --get-all --get-regexp --get-urlmatch --get-color --get-colorbool");
    return !has(p, ...getting, "-l", "--list") && p.operands.length >= 2;
  },
  worktree: oneOf("add", "remove", "prune", "move", "lock", "unlock", "repair"),
  submodule: oneOf("add", "update", "init", "deinit", "sync", "set-branch", "set-url", "absorbgitdirs"),
  notes: (a) => oneOf("add", "append", "copy", "edit", "merge", "remove", "prune")(a, { long: ["--ref"] }),
  remote: oneOf("add", "remove", "rm", "rename", "set-url", "set-head", "set-branches", "prune", "update"),
  reflog: oneOf("expire", "delete"),
  "symbolic-ref": (a) => {
    const p = parseArgs(a, { value: "m" });
    return has(p, "-d", "--delete") || p.operands.length >= 2;
  },
  bisect: oneOf("start", "good", "bad", "new", "old", "skip", "reset", "run", "replay"),
  "sparse-checkout": oneOf("set", "add", "init", "disable", "reapply"),
  "hash-object": (a) => flag(a, "-w"),
  "format-patch": (a) => !a.includes("--stdout"),
  archive: (a) => flag(a, "-o", "--output"),
};

function git(c: Ctx): void {
  const global = parseArgs(c.args, {
    value: "Cc",
    long: ["--git-dir", "--work-tree", "--namespace", "--config-env"],
    stopAtOperand: true,
  });
  const [sub = "", ...rest] = global.operands;
  const area = GIT_AREAS[sub];
  if (area === undefined || !(GIT_WRITES_WHEN[sub]?.(rest) ?? true)) {
    if (sub === "submodule" && firstOperand(rest) === "foreach") {
      c.audit.script(rest.slice(rest.indexOf("foreach") + 1).join(" "), c.depth + 1);
    }
    return;
  }
  if (sub === "archive" || sub === "format-patch") {
    const p = parseArgs(rest, { value: "o", long: ["--output", "--output-directory"] });
    const out = optValue(p, "-o", "--output", "--output-directory");
    c.audit.emit("git", out ? `git ${sub} writes ${out}` : `git ${sub} writes patch files`, out);
    return;
  }
  c.audit.emit("git", `git ${sub} changes ${area}`);
}

export const GIT_RULES: Readonly<Record<string, Rule>> = { git };
