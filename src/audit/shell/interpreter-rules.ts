/**
 * Rules for interpreters: `python`, `node`, `perl`, `ruby`, `php` (in-place flags and inline code) and
 * `awk` (in-place edits, print redirections, `system()` calls).
 */

import { type Ctx, inPlace, isDevice, type Rule } from "./context.js";
import { auditInlineCode, type Lang } from "./inline-code.js";
import { has, optValue, optValues, parseArgs } from "./options.js";
import { ASSIGNMENT } from "./tokenize.js";

/** Code given inline, or read from stdin when no script file is named. */
function inline(c: Ctx, lang: Lang, code: readonly string[], operands: readonly string[]): void {
  const text =
    code.length > 0
      ? code.join("\n")
      : operands.length === 0 || operands[0] === "-"
        ? c.audit.stdinOf(c.cmd)
        : undefined;
  if (text !== undefined) auditInlineCode(c.audit, lang, c.prog, text, c.depth);
}

function python(c: Ctx): void {
  const p = parseArgs(c.args, { value: "cmWX", stopAtOperand: true });
  const mod = optValue(p, "-m");
  if (mod !== undefined) c.audit.words([mod, ...p.operands], c.cmd, c.depth);
  else inline(c, "python", optValues(p, "-c"), p.operands);
}

export const NODE_EVAL = ["-e", "--eval", "-p", "--print"];

export function node(c: Ctx): void {
  const args = c.args.map((a) => (a === "-pe" || a === "-ep" ? "-p" : a));
  const p = parseArgs(args, {
    value: "eprC",
    long: [...NODE_EVAL, "--require", "--import", "--loader", "--experimental-loader", "--conditions"],
    stopAtOperand: true,
  });
  inline(c, "node", optValues(p, ...NODE_EVAL), p.operands);
}

function perl(c: Ctx): void {
  const p = parseArgs(c.args, { value: "eE", attached: "ixdDCMmIVF", stopAtOperand: true });
  const code = optValues(p, "-e", "-E");
  if (has(p, "-i")) inPlace(c, code.length > 0 ? p.operands : p.operands.slice(1));
  inline(c, "perl", code, p.operands);
}

function ruby(c: Ctx): void {
  const p = parseArgs(c.args, { value: "eIrCE", attached: "iFWTKx", stopAtOperand: true });
  const code = optValues(p, "-e");
  if (has(p, "-i")) inPlace(c, code.length > 0 ? p.operands : p.operands.slice(1));
  inline(c, "ruby", code, p.operands);
}

function php(c: Ctx): void {
  const p = parseArgs(c.args, { value: "cdfrBRFEtSz", stopAtOperand: true });
  inline(c, "php", optValues(p, "-r", "-B", "-R", "-E"), has(p, "-f") ? ["file"] : p.operands);
}

function awk(c: Ctx): void {
  const p = parseArgs(c.args, {
    value: "fvFieE",
    long: ["--file", "--assign", "--field-separator", "--include", "--source", "--exec"],
  });
  const sources = optValues(p, "-e", "--source");
  const named = sources.length > 0 || has(p, "-f", "--file", "-E", "--exec");
  const program = sources.length > 0 ? sources.join("\n") : named ? undefined : p.operands[0];
  const files = (named ? p.operands : p.operands.slice(1)).filter((f) => !ASSIGNMENT.test(f));
  if (optValues(p, "-i", "--include").some((v) => v.replace(/\.awk$/, "") === "inplace")) inPlace(c, files);
  if (program === undefined) return;
  for (const m of program.matchAll(/\bprintf?\b/g)) {
    const target = awkRedirect(program, (m.index ?? 0) + m[0].length);
    if (target !== undefined && !isDevice(target))
      c.audit.emit("inline-script", `awk program writes ${target}`, target);
  }
  for (const m of program.matchAll(/\bsystem\s*\(\s*"((?:\\.|[^"\\])*)"/g)) {
    c.audit.script((m[1] ?? "").replace(/\\(.)/g, "$1"), c.depth + 1);
  }
}

/** The file an awk print statement redirects into: a `>` outside parentheses and strings. */
function awkRedirect(program: string, from: number): string | undefined {
  let depth = 0;
  for (let i = from; i < program.length; i++) {
    const ch = program[i];
    if (ch === '"') {
      i++;
      while (i < program.length && program[i] !== '"') i += program[i] === "\\" ? 2 : 1;
    } else if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (depth <= 0 && (ch === ";" || ch === "}" || ch === "\n" || ch === "|")) return undefined;
    else if (depth <= 0 && ch === ">") {
      const m = /^"((?:\\.|[^"\\])*)"|^[^\s;}]+/.exec(program.slice(i + 1).replace(/^>?\s*/, ""));
      return m ? (m[1] ?? m[0]) : undefined;
    }
  }
  return undefined;
}

export const INTERPRETER_RULES: Readonly<Record<string, Rule>> = {
  awk,
  perl,
  ruby,
  php,
  python,
  node,
};
