/**
 * Analysis of interpreter code given inline (`python -c`, `node -e`, `perl -e`, `ruby -e`, `php -r`, or
 * fed on stdin): finds the language's file-writing API calls and shell-outs.
 *
 * Regex-level, not parsing: each rule names a writing API; its arguments are read to find the file (or the
 * mode that makes `open` a write). Shell-outs with a literal command are audited as shell commands.
 */

import type { Auditor } from "./context.js";

export type Lang = "python" | "node" | "perl" | "ruby" | "php";

/** Inline interpreter code: looks for the language's file-writing APIs and shell-outs. */
export function auditInlineCode(audit: Auditor, lang: Lang, prog: string, text: string, depth: number): void {
  for (const api of API_RULES[lang]) {
    for (const m of text.matchAll(api.re)) {
      const at = m.index ?? 0;
      const args = callArgs(text, at + m[0].length);
      if (api.when && !api.when(args)) continue;
      if (api.shell) {
        const script = shellText(args, api.shell);
        if (script) audit.script(script, depth + 1);
        continue;
      }
      const path = api.receiver
        ? receiverPath(text.slice(0, at))
        : typeof api.path === "function"
          ? api.path(args)
          : api.path === undefined
            ? undefined
            : literal(args[api.path]);
      if (api.receiver === "required" && path === undefined) continue;
      const call = m[0].replace(/^\./, "");
      audit.emit(
        "inline-script",
        `${prog} code ${path === undefined ? "calls" : "modifies"} ${path ?? call}${path === undefined ? "" : ` (${call})`}`,
        path,
      );
    }
  }
}

interface ApiRule {
  /** Matches the API name; the call's arguments follow the match. */
  readonly re: RegExp;
  /** Which argument names the file, or how to find it. */
  readonly path?: number | ((args: readonly string[]) => string | undefined);
  /** The file is the `Path('…')` the method is called on; "required": skip the call without one. */
  readonly receiver?: boolean | "required";
  /** Only a write when this holds (e.g. open's mode). */
  readonly when?: (args: readonly string[]) => boolean;
  /** The arguments form a shell command: a string ("string"), program + argv array ("argv"), or a list. */
  readonly shell?: "string" | "argv" | "list";
}

const LITERAL = /^[rRbBuUf]{0,2}(?:'([^']*)'|"([^"]*)"|`([^`$]*)`)/;

/** The value of a string-literal argument (the whole argument, or with `lead` just its start). */
function literal(arg: string | undefined, lead = false): string | undefined {
  const m = arg === undefined ? null : LITERAL.exec(arg);
  if (!m || (!lead && m[0].length !== arg?.length)) return undefined;
  return m[1] ?? m[2] ?? m[3];
}

const writeMode = (arg: string | undefined): boolean =>
  /^[rwxabtU+]{1,4}(?::\w*)?$/.test(literal(arg, true) ?? "") && /[wax+]/.test(literal(arg, true) ?? "");
const kwarg = (args: readonly string[], name: string): string | undefined =>
  args
    .find((a) => a.startsWith(`${name}=`))
    ?.slice(name.length + 1)
    .trim();
const lastLiteral = (args: readonly string[]): string | undefined =>
  args.map((a) => literal(a)).findLast((a) => a !== undefined);

const API_RULES: Readonly<Record<Lang, readonly ApiRule[]>> = {
  python: [
    {
      re: /(?<![\w.])(?:(?:io|codecs|gzip|bz2|lzma|tarfile)\.)?open(?=\s*\()|\b(?:zipfile\.)?ZipFile(?=\s*\()/g,
      path: 0,
      when: (a) => writeMode(kwarg(a, "mode") ?? a[1]),
    },
    {
      re: /(?<!\b(?:os|io|codecs|gzip|bz2|lzma|tarfile))\.open(?=\s*\()/g,
      receiver: true,
      when: (a) => writeMode(kwarg(a, "mode") ?? a[0]),
    },
    {
      re: /\bos\.open(?=\s*\()/g,
      path: 0,
      when: (a) => /O_(?:WRONLY|RDWR|CREAT|APPEND|TRUNC)/.test(a[1] ?? ""),
    },
    {
      re: /(?<!\bos)\.(?:write_text|write_bytes|touch|unlink|mkdir|rmdir|symlink_to|hardlink_to|chmod)(?=\s*\()/g,
      receiver: true,
    },
    { re: /(?<!\bos)\.(?:rename|replace)(?=\s*\()/g, receiver: "required" },
    {
      re: /\bos\.(?:remove|unlink|rename|renames|replace|makedirs|mkdir|rmdir|removedirs|truncate|symlink|link|chmod|chown|utime|mkfifo)(?=\s*\()/g,
      path: 0,
    },
    { re: /\bshutil\.(?:rmtree|make_archive|chown)(?=\s*\()/g, path: 0 },
    {
      re: /\bshutil\.(?:copy|copy2|copyfile|copytree|copymode|copystat|move|unpack_archive)(?=\s*\()/g,
      path: 1,
    },
    {
      re: /\b(?:subprocess\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)|os\.(?:system|popen))(?=\s*\()/g,
      shell: "string",
    },
  ],
  node: [
    {
      re: /\b(?:writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|rmSync|rmdirSync|unlinkSync|mkdirSync|mkdtempSync|truncateSync|symlinkSync|chmodSync|outputFileSync|outputFile|writeJsonSync|writeJson|ensureDirSync|ensureFileSync|emptyDirSync|removeSync)(?=\s*\()/g,
      path: 0,
    },
    { re: /\b(?:renameSync|copyFileSync|copyFile|cpSync|moveSync|copySync)(?=\s*\()/g, path: 1 },
    {
      re: /\b(?:fs|fsp|fse|fsPromises|promises)\.(?:rm|rmdir|unlink|mkdir|mkdtemp|truncate|symlink|link|chmod|chown|utimes|remove|ensureDir|emptyDir)(?=\s*\()/g,
      path: 0,
    },
    { re: /\b(?:fs|fsp|fse|fsPromises|promises)\.(?:rename|cp|copy|move)(?=\s*\()/g, path: 1 },
    {
      re: /\b(?:openSync|(?:fs|fsp|fsPromises|promises)\.open)(?=\s*\()/g,
      path: 0,
      when: (a) => /^[rwasx+]{1,3}$/.test(literal(a[1]) ?? "") && /[wa+]/.test(literal(a[1]) ?? ""),
    },
    { re: /\b(?:Bun\.write|Deno\.(?:writeTextFile|writeFile|remove|mkdir|create))(?=\s*\()/g, path: 0 },
    { re: /(?<![\w$])(?:execSync|exec)(?=\s*\()/g, shell: "string" },
    { re: /(?<![\w$])(?:execFileSync|execFile|spawnSync|spawn)(?=\s*\()/g, shell: "argv" },
  ],
  perl: [
    {
      re: /\bopen\b/g,
      when: (a) => /^\s*(?:\+?>|\+<)/.test(literal(a[1]) ?? ""),
      path: (a) => literal(a[2]) ?? (literal(a[1])?.replace(/^\s*\+?[<>]+\s*/, "") || undefined),
    },
    {
      re: /(?<![\w$@%&>:])(?:unlink|rmdir|mkdir|truncate|make_path|mkpath|remove_tree|rmtree)\b(?=\s*\(|\s+['"$@])/g,
      path: 0,
    },
    { re: /(?<![\w$@%&>:])(?:rename|copy|move|symlink|link)\b(?=\s*\(|\s+['"$@])/g, path: 1 },
    { re: /(?<![\w$@%&>:])(?:chmod|chown|utime)\b(?=\s*\(|\s+['"$@\d])/g },
    { re: /(?<![\w$@%&>:])system\b/g, shell: "list" },
  ],
  ruby: [
    { re: /\b(?:File|IO)\.(?:write|binwrite|delete|unlink|truncate|utime|mkfifo)\b/g, path: 0 },
    { re: /\bFile\.(?:rename|symlink|link)\b/g, path: 1 },
    { re: /\b(?:File|IO)\.(?:open|new)\b/g, path: 0, when: (a) => /[wa+]/.test(literal(a[1], true) ?? "") },
    { re: /\bFileUtils\.(?!pwd|compare_file|identical|uptodate|cmp)\w+/g, path: lastLiteral },
    { re: /\bDir\.(?:mkdir|rmdir|delete|unlink)\b/g, path: 0 },
    { re: /(?<![\w.])system\b/g, shell: "list" },
  ],
  php: [
    { re: /\b(?:file_put_contents|unlink|mkdir|rmdir|touch|chmod|chown|tempnam)(?=\s*\()/g, path: 0 },
    { re: /\b(?:rename|copy|symlink|link)(?=\s*\()/g, path: 1 },
    { re: /\bfopen(?=\s*\()/g, path: 0, when: (a) => /[waxc+]/.test(literal(a[1], true) ?? "") },
    { re: /\b(?:system|shell_exec|exec|passthru|popen|proc_open)(?=\s*\()/g, shell: "string" },
  ],
};

/** The arguments of a call whose name ends at `from`: `(a, b)`, or a bare Perl/Ruby list up to `;`. */
function callArgs(code: string, from: number): string[] {
  let i = from;
  while (code[i] === " " || code[i] === "\t") i++;
  const paren = code[i] === "(";
  if (paren) i++;
  const args: string[] = [];
  let current = "";
  let depth = 0;
  let quote = "";
  for (; i < code.length; i++) {
    const ch = code[i] ?? "";
    if (quote) {
      current += ch;
      if (ch === "\\") current += code[++i] ?? "";
      else if (ch === quote) quote = "";
      continue;
    }
    if (ch === "'" || ch === '"' || ch === "`") quote = ch;
    else if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && ch === ",") {
      args.push(current.trim());
      current = "";
      continue;
    } else if (depth === 0 && !paren && (ch === ";" || ch === "\n")) break;
    current += ch;
  }
  if (current.trim()) args.push(current.trim());
  return args;
}

/** `Path('a/b').write_text(…)`: the literal path the method is called on. */
function receiverPath(before: string): string | undefined {
  const m = /\b(?:Path|PurePath|PosixPath)\(\s*[rRbBuUf]{0,2}(?:'([^']*)'|"([^"]*)")\s*\)\s*$/.exec(before);
  return m ? (m[1] ?? m[2]) : undefined;
}

const quoteWord = (w: string): string => `'${w.replaceAll("'", `'\\''`)}'`;
const listItems = (text: string): string[] =>
  [...text.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2] ?? "");

/** A shell command line from shell-out arguments whose program and arguments are literals. */
function shellText(args: readonly string[], form: "string" | "argv" | "list"): string | undefined {
  const first = args[0] ?? "";
  if (form === "argv") {
    const prog = literal(first);
    return prog === undefined ? undefined : [prog, ...listItems(args[1] ?? "")].map(quoteWord).join(" ");
  }
  if (form === "list" && args.length > 1) {
    return args
      .map((a) => literal(a))
      .filter((a) => a !== undefined)
      .map(quoteWord)
      .join(" ");
  }
  return first.startsWith("[") ? listItems(first).map(quoteWord).join(" ") : literal(first);
}
