/**
 * Rules for commands that edit files in place: `sed -i`, formatters and fixers, `patch`, `apply_patch`.
 */

import { type Ctx, inPlace, type Rule, writes } from "./context.js";
import { type Args, has, optValue, parseArgs } from "./options.js";

function sed(c: Ctx): void {
  // BSD's `sed -i '' …` passes the empty backup suffix as its own word.
  const args = c.args.filter((a, i) => !(a === "" && /^-[A-Za-z]*i$/.test(c.args[i - 1] ?? "")));
  const p = parseArgs(args, {
    value: "efl",
    attached: "i",
    long: ["--expression", "--file", "--line-length"],
  });
  if (!has(p, "-i", "--in-place")) return;
  inPlace(c, has(p, "-e", "--expression", "-f", "--file") ? p.operands : p.operands.slice(1));
}

// Formatters and fixers that rewrite sources in place.
const FORMATTERS: Readonly<Record<string, (a: Args) => boolean>> = {
  prettier: (a) => has(a, "--write", "-w"),
  eslint: (a) => has(a, "--fix"),
  biome: (a) => has(a, "--write", "--apply", "--apply-unsafe", "--fix"),
  gofmt: (a) => has(a, "-w"),
  goimports: (a) => has(a, "-w"),
  black: (a) => !has(a, "--check", "--diff"),
  isort: (a) => !has(a, "--check-only", "--check", "-c", "--diff"),
  ruff: (a) => has(a, "--fix") || (a.operands[0] === "format" && !has(a, "--check", "--diff")),
  autopep8: (a) => has(a, "-i", "--in-place"),
  "clang-format": (a) => has(a, "-i"),
  rustfmt: (a) => !has(a, "--check"),
  "cargo fmt": (a) => !has(a, "--check"),
  "go fmt": () => true,
};

export function formatter(c: Ctx, key: string, args: readonly string[]): boolean {
  const rewrites = FORMATTERS[key];
  if (rewrites === undefined) return false;
  if (rewrites(parseArgs(args))) c.audit.emit("in-place-edit", `${key} rewrites files in place`);
  return true;
}

function patch(c: Ctx): void {
  const p = parseArgs(c.args, {
    value: "pioDdrBFVYzg",
    long: ["--input", "--output", "--directory", "--reject-file", "--strip"],
  });
  if (has(p, "--dry-run", "--check")) return;
  const target = optValue(p, "-o", "--output") ?? p.operands[0];
  writes(c, "file-command", target ? [target] : [], (f) => `patch modifies ${f}`);
}

function applyPatch(c: Ctx): void {
  const text = [c.audit.stdinOf(c.cmd) ?? "", ...c.args].join("\n");
  const verbs: Record<string, string> = {
    Add: "adds",
    Update: "updates",
    Delete: "deletes",
    Move: "moves a file to",
  };
  let found = false;
  for (const m of text.matchAll(/^\*\*\* (Add|Update|Delete) File: (.+)$|^\*\*\* (Move) to: (.+)$/gm)) {
    const path = (m[2] ?? m[4] ?? "").trim();
    c.audit.emit("apply-patch", `apply_patch ${verbs[m[1] ?? m[3] ?? ""]} ${path}`, path);
    found = true;
  }
  if (!found) c.audit.emit("apply-patch", "apply_patch edits files");
}

export const EDIT_RULES: Readonly<Record<string, Rule>> = {
  ...Object.fromEntries(
    Object.keys(FORMATTERS).map((n): [string, Rule] => [n, (c) => void formatter(c, n, c.args)]),
  ),
  patch,
  sed,
  apply_patch: applyPatch,
};
