import { promises as fsp } from "node:fs";
import path from "node:path";

/** git for the tests' own setup in an armed repository, with every program switched off. */
export const DISARMED = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "commit.gpgSign=false",
  "-c",
  "filter.evil.process=",
  "-c",
  "filter.evil.clean=",
  "-c",
  "filter.evil.smudge=",
  "-c",
  "filter.evil.required=false",
  "-c",
  "filter.inc.clean=",
  "-c",
  "filter.inc.smudge=",
  "-c",
  "filter.wt.clean=",
  "-c",
  "filter.wt.smudge=",
  "-c",
  "diff.ignoreSubmodules=all",
];

/** Hooks git runs for the commands codexmcp uses (and a few more). */
const HOOKS = [
  "pre-commit",
  "prepare-commit-msg",
  "commit-msg",
  "post-commit",
  "pre-merge-commit",
  "post-merge",
  "post-checkout",
  "post-rewrite",
  "pre-rebase",
  "reference-transaction",
  "post-index-change",
  "pre-auto-gc",
  "pre-push",
];

/**
 * A shell script that arms the repository around the directory it runs in with every program a
 * git config, hook or attribute can name. Each one, if git ever runs it, creates
 * `<canaryDir>/<mechanism>`: a file that must never appear when codexmcp runs git.
 *
 * Armed: the shared config (plus an included file), the worktree's own config.worktree, the
 * shared and a configured hooks directory, info/attributes and a committed .gitattributes (when
 * `commitAttributes`), and a nested repository with a config and hooks of its own.
 */
export function armScript(
  canaryDir: string,
  opts: { commitAttributes?: boolean; nested?: boolean } = {},
): string {
  const c = (name: string) => `touch ${canaryDir}/${name}`;
  const hook = (name: string, dir: string) =>
    `printf '#!/bin/sh\\n${c(`hook-${name}`)}\\n' > "${dir}/${name}" && chmod +x "${dir}/${name}"`;
  const set = (key: string, value: string) => `git config ${key} '${value}'`;
  // The script's own git stays harmless even when the repository is already armed.
  const quiet = `git ${DISARMED.join(" ")}`;
  const nested = opts.nested !== false;
  const lines = [
    "set -e",
    'common=$(cd "$(git rev-parse --git-common-dir)" && pwd)',
    `mkdir -p ${canaryDir} "$common/hooks" "$common/info" "$common/evil-hooks"`,
  ];
  if (nested) {
    // A nested repository: git asks it whether it is dirty by running git inside it.
    lines.push(
      "rm -rf nested && git init -q nested",
      `(cd nested && printf '* filter=nested\\n' > .gitattributes && echo n > n.txt && ${quiet} add -A && ${quiet} commit -qm nested)`,
      `${quiet} add nested 2>/dev/null`,
    );
  }
  if (opts.commitAttributes) {
    lines.push(
      "printf '* filter=evil diff=evil merge=evil\\n' > .gitattributes",
      "echo inc > x.inc && echo wt > x.wt",
      `${quiet} add -A && ${quiet} commit -qm 'armed attributes'`,
    );
  }
  if (nested)
    lines.push(
      `(cd nested && git config filter.nested.clean '${c("nested-clean")}; cat' && git config core.fsmonitor '${c("nested-fsmonitor")}; false' && mkdir -p .git/hooks && ${hook("post-index-change", ".git/hooks")})`,
      // Same size, other content, other mtime: git must hash it (run the clean filter) to know.
      "printf 'm\\n' > nested/n.txt",
      "touch -d '2001-01-01' nested/n.txt",
    );
  lines.push(
    ...HOOKS.map((h) => hook(h, "$common/hooks")),
    ...HOOKS.map((h) => hook(h, "$common/evil-hooks")),
    'git config core.hooksPath "$common/evil-hooks"',
    set("core.fsmonitor", `${c("fsmonitor")}; false`),
    set("diff.external", `${c("diff-external")}; true`),
    set("filter.evil.clean", `${c("filter-clean")}; cat`),
    set("filter.evil.smudge", `${c("filter-smudge")}; cat`),
    set("filter.evil.process", c("filter-process")),
    set("filter.evil.required", "true"),
    set("diff.evil.textconv", `${c("textconv")}; cat`),
    set("diff.evil.command", `${c("diff-command")}; true`),
    set("merge.evil.driver", `${c("merge-driver")}; true`),
    set("core.sshCommand", c("ssh-command")),
    set("core.gitProxy", c("git-proxy")),
    set("core.askPass", c("askpass")),
    set("credential.helper", `!${c("credential-helper")}`),
    set("core.pager", `${c("pager")}; cat`),
    set("pager.diff", `${c("pager-diff")}; cat`),
    set("core.editor", c("editor")),
    set("sequence.editor", c("sequence-editor")),
    set("gpg.program", c("gpg")),
    set("gpg.ssh.program", c("gpg-ssh")),
    set("commit.gpgSign", "true"),
    set("tag.gpgSign", "true"),
    set("merge.verifySignatures", "true"),
    set("core.alternateRefsCommand", c("alternate-refs")),
    set("gc.auto", "1"),
    set("protocol.ext.allow", "always"),
    set("remote.evil.url", `ext::sh -c ${c("ext-transport")}`),
    set("remote.evil.uploadpack", c("uploadpack")),
    set("remote.evil.receivepack", c("receivepack")),
    set("remote.evil.fetch", "+refs/heads/*:refs/remotes/evil/*"),
    `printf '[filter "inc"]\\n\\tclean = ${c("included-clean")}; cat\\n\\tsmudge = ${c("included-smudge")}; cat\\n' > "$common/included.cfg"`,
    'git config include.path "$common/included.cfg"',
    // The worktree's own config: read when extensions.worktreeConfig is on.
    "git config extensions.worktreeConfig true",
    `git config --worktree filter.wt.clean '${c("worktree-clean")}; cat'`,
    `git config --worktree filter.wt.smudge '${c("worktree-smudge")}; cat'`,
    `printf '* filter=evil diff=evil merge=evil\\n*.inc filter=inc\\n*.wt filter=wt\\n' > "$common/info/attributes"`,
  );
  return `${lines.join("\n")}\n`;
}

/** Writes the arming script to `file`. */
export async function writeArmScript(
  file: string,
  canaryDir: string,
  opts?: { commitAttributes?: boolean; nested?: boolean },
) {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await fsp.writeFile(file, armScript(canaryDir, opts), { mode: 0o755 });
  return file;
}

/** The canaries that appeared (sorted); [] when the directory does not exist. */
export async function canaries(canaryDir: string): Promise<string[]> {
  return (await fsp.readdir(canaryDir).catch(() => [] as string[])).sort();
}
