/**
 * Which filesystem or repository writes a shell command performs, judged from its text alone.
 *
 * Used to audit "read-only" Codex runs that had to go unsandboxed. A workspace snapshot is the second line
 * of defence, so the rules aim to be precise: a harmless `2>&1` or `grep '=>'` must not be reported.
 */

export interface CommandFinding {
  /** "redirect" | "file-command" | "in-place-edit" | "git" | "package-install" | "inline-script" | "apply-patch" */
  readonly kind: string;
  /** The file written/removed, when known (as written in the command, not resolved). */
  readonly path?: string;
  /** One short human sentence, e.g. "redirects output into notes.txt", "git stash changes the stash". */
  readonly detail: string;
}

/** Writes a shell command performs; [] for read-only commands. Each distinct finding once. */
export function findCommandWrites(command: string): CommandFinding[] {
  const audit = new Audit();
  audit.script(command, 0);
  return audit.findings;
}

// ── Tokenizer ────────────────────────────────────────────────────────────────────────────────────────
// Enough of bash to list the simple commands a script runs, with quote-removed words and redirections.
// Substitutions are lexed in place, so the commands inside `$( )`, backticks and `<( )` join the same flat
// list: the audit only needs "which commands run", never the tree shape.

interface Redirect {
  readonly op: string;
  readonly target: string;
}

interface Command {
  readonly words: string[];
  readonly redirects: Redirect[];
  /** Heredoc or here-string text fed to the command. */
  stdin?: string;
  /** The command piping into this one (`a | b`). */
  pipedFrom?: Command;
}

const METACHARS = new Set([" ", "\t", "\n", ";", "&", "|", "(", ")", "<", ">"]);
const REDIRECT_OPS = ["&>>", "&>", "<<<", "<<-", "<<", "<>", "<&", ">>", ">|", ">&", "<", ">"];
const MAX_NESTING = 32;

class Lexer {
  private pos = 0;
  private nesting: number;
  private readonly heredocs: { cmd: Command; delim: string; stripTabs: boolean }[] = [];
  private readonly commands: Command[] = [];

  constructor(
    private readonly src: string,
    nesting = 0,
  ) {
    this.nesting = nesting;
  }

  parse(): Command[] {
    this.list(false);
    return this.commands;
  }

  private at(offset = 0): string {
    return this.src[this.pos + offset] ?? "";
  }

  /** Commands up to the end of input, or up to the `)` closing a substitution. */
  private list(inSubstitution: boolean): void {
    let cmd: Command = { words: [], redirects: [] };
    let subshells = 0;
    let inTest = false; // inside [[ ]], where < and > compare strings
    const end = (piped = false): void => {
      if (cmd.words.length > 0 || cmd.redirects.length > 0) this.commands.push(cmd);
      cmd = piped ? { words: [], redirects: [], pipedFrom: cmd } : { words: [], redirects: [] };
    };
    while (this.pos < this.src.length) {
      const c = this.at();
      const two = c + this.at(1);
      if (c === " " || c === "\t") this.pos++;
      else if (c === "\n") {
        this.pos++;
        end();
        this.readHeredocs();
      } else if (c === "#") {
        while (this.pos < this.src.length && this.at() !== "\n") this.pos++;
      } else if (c === ";") {
        this.pos += two === ";;" || two === ";&" ? 2 : 1;
        end();
      } else if (two === "&&" || two === "||") {
        this.pos += 2;
        end();
      } else if (two === "&>") this.redirect(cmd);
      else if (c === "&") {
        this.pos++;
        end();
      } else if (c === "|") {
        this.pos += two === "|&" ? 2 : 1;
        end(true);
      } else if (two === "((")
        this.skipBalanced(); // arithmetic: `(( i > 3 ))` is no redirect
      else if (c === "(") {
        this.pos++;
        end();
        subshells++;
      } else if (c === ")") {
        this.pos++;
        end();
        if (subshells > 0) subshells--;
        else if (inSubstitution) return;
      } else if ((c === "<" || c === ">") && this.at(1) !== "(") {
        if (inTest) {
          cmd.words.push(c);
          this.pos++;
        } else this.redirect(cmd);
      } else {
        const w = this.word();
        if (w.bare && /^\d+$/.test(w.text) && /^[<>][^(]/.test(this.at() + this.at(1))) {
          this.redirect(cmd); // `2>`: the digits name a file descriptor
          continue;
        }
        cmd.words.push(w.text);
        if (w.text === "[[" && cmd.words.length === 1) inTest = true;
        else if (w.text === "]]") inTest = false;
      }
    }
    end();
  }

  private redirect(cmd: Command): void {
    const op = REDIRECT_OPS.find((o) => this.src.startsWith(o, this.pos)) ?? ">";
    this.pos += op.length;
    while (this.at() === " " || this.at() === "\t") this.pos++;
    if (this.pos >= this.src.length || (METACHARS.has(this.at()) && this.at(1) !== "(")) return;
    const target = this.word().text;
    if (op === "<<" || op === "<<-") this.heredocs.push({ cmd, delim: target, stripTabs: op === "<<-" });
    else if (op === "<<<") cmd.stdin = target;
    else if (op === "<" || op === "<&") return;
    else if (op === ">&" && /^(?:\d+-?|-)$/.test(target))
      return; // fd duplication or close: `2>&1`, `>&-`
    else cmd.redirects.push({ op, target });
  }

  /** One word, quotes removed. `bare` when nothing in it was quoted, escaped or expanded. */
  private word(): { text: string; bare: boolean } {
    let text = "";
    let bare = true;
    while (this.pos < this.src.length) {
      const c = this.at();
      if ((c === "<" || c === ">") && this.at(1) === "(") {
        text += this.substitution(2); // process substitution
        bare = false;
        continue;
      }
      if (METACHARS.has(c)) break;
      if (c === "\\") {
        const next = this.at(1);
        this.pos += 2;
        if (next !== "\n") text += next;
        bare = false;
      } else if (c === "'") {
        const close = this.src.indexOf("'", this.pos + 1);
        const stop = close < 0 ? this.src.length : close;
        text += this.src.slice(this.pos + 1, stop);
        this.pos = stop + 1;
        bare = false;
      } else if (c === '"') {
        text += this.doubleQuoted();
        bare = false;
      } else if (c === "`") {
        text += this.backtick();
        bare = false;
      } else if (c === "$") {
        text += this.dollar(false);
        bare = false;
      } else {
        text += c;
        this.pos++;
      }
    }
    return { text, bare };
  }

  private doubleQuoted(): string {
    this.pos++;
    let text = "";
    while (this.pos < this.src.length) {
      const c = this.at();
      if (c === '"') {
        this.pos++;
        break;
      }
      if (c === "\\") {
        const next = this.at(1);
        if (next !== "\n") text += '"\\$`'.includes(next) ? next : c + next;
        this.pos += 2;
      } else if (c === "$") text += this.dollar(true);
      else if (c === "`") text += this.backtick();
      else {
        text += c;
        this.pos++;
      }
    }
    return text;
  }

  /** `$(…)`, `$((…))`, `${…}`, `$'…'` or a plain `$`; returns the text the word gets. */
  private dollar(inDoubleQuotes: boolean): string {
    const next = this.at(1);
    if (next === "(" && this.at(2) === "(") {
      this.pos++;
      return `$${this.skipBalanced()}`;
    }
    if (next === "(") return this.substitution(2);
    if (next === "{") {
      const start = this.pos;
      let depth = 0;
      while (this.pos < this.src.length) {
        const c = this.src[this.pos++];
        if (c === "{") depth++;
        else if (c === "}" && --depth === 0) break;
      }
      return this.src.slice(start, this.pos);
    }
    if (next === "'" && !inDoubleQuotes) {
      this.pos += 2;
      let text = "";
      const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"' };
      while (this.pos < this.src.length && this.at() !== "'") {
        if (this.at() === "\\") {
          text += escapes[this.at(1)] ?? `\\${this.at(1)}`;
          this.pos += 2;
        } else text += this.src[this.pos++] ?? "";
      }
      this.pos++;
      return text;
    }
    if (next === '"' && !inDoubleQuotes) {
      this.pos++;
      return this.doubleQuoted();
    }
    this.pos++;
    return "$";
  }

  /** `$(…)`, `<(…)` or `>(…)`: lexes the inner commands into the same list, returns the raw text. */
  private substitution(opener: number): string {
    const start = this.pos;
    this.pos += opener;
    if (this.nesting >= MAX_NESTING) this.pos = this.src.length;
    else {
      this.nesting++;
      this.list(true);
      this.nesting--;
    }
    return this.src.slice(start, this.pos);
  }

  private backtick(): string {
    const start = this.pos++;
    let inner = "";
    while (this.pos < this.src.length && this.at() !== "`") {
      if (this.at() === "\\" && "$`\\".includes(this.at(1) || "x")) {
        inner += this.at(1);
        this.pos += 2;
      } else inner += this.src[this.pos++] ?? "";
    }
    this.pos++;
    if (this.nesting < MAX_NESTING) this.commands.push(...new Lexer(inner, this.nesting + 1).parse());
    return this.src.slice(start, this.pos);
  }

  /** Skips a balanced `(…)` group starting at the current `(`; returns its text. */
  private skipBalanced(): string {
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos++];
      if (c === "(") depth++;
      else if (c === ")" && --depth === 0) break;
    }
    return this.src.slice(start, this.pos);
  }

  /** Heredoc bodies start on the line after the command that announced them. */
  private readHeredocs(): void {
    for (const doc of this.heredocs.splice(0)) {
      let body = "";
      while (this.pos < this.src.length) {
        const newline = this.src.indexOf("\n", this.pos);
        const lineEnd = newline < 0 ? this.src.length : newline;
        let line = this.src.slice(this.pos, lineEnd).replace(/\r$/, "");
        this.pos = lineEnd + 1;
        if (doc.stripTabs) line = line.replace(/^\t+/, "");
        if (line === doc.delim) break;
        body += `${line}\n`;
      }
      doc.cmd.stdin = body;
    }
  }
}

// ── Option parsing ───────────────────────────────────────────────────────────────────────────────────

interface OptSpec {
  /** Short options taking a value, attached (`-ofile`) or as the next word (`-o file`). */
  readonly value?: string;
  /** Short options taking only an attached, possibly empty, value (`-i.bak`). */
  readonly attached?: string;
  /** Long options taking the next word as value when not written `--opt=value`. */
  readonly long?: readonly string[];
  /** Stop at the first operand: the rest is an inner command line or the program's own arguments. */
  readonly stopAtOperand?: boolean;
}

interface Args {
  readonly opts: { readonly name: string; readonly value: string }[];
  readonly operands: string[];
}

function parseArgs(args: readonly string[], spec: OptSpec = {}): Args {
  const opts: { name: string; value: string }[] = [];
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--") {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      if (eq > 0) opts.push({ name: arg.slice(0, eq), value: arg.slice(eq + 1) });
      else if (spec.long?.includes(arg)) opts.push({ name: arg, value: args[++i] ?? "" });
      else opts.push({ name: arg, value: "" });
    } else if (arg.length > 1 && arg.startsWith("-")) {
      for (let j = 1; j < arg.length; j++) {
        const name = `-${arg[j]}`;
        const rest = arg.slice(j + 1);
        if (spec.value?.includes(arg[j] ?? "")) {
          opts.push({ name, value: rest || (args[++i] ?? "") });
          break;
        }
        opts.push({ name, value: rest });
        if (spec.attached?.includes(arg[j] ?? "")) break;
      }
    } else if (spec.stopAtOperand) {
      operands.push(...args.slice(i));
      break;
    } else operands.push(arg);
  }
  return { opts, operands };
}

const has = (a: Args, ...names: string[]): boolean => a.opts.some((o) => names.includes(o.name));
const optValues = (a: Args, ...names: string[]): string[] =>
  a.opts.filter((o) => names.includes(o.name)).map((o) => o.value);
const optValue = (a: Args, ...names: string[]): string | undefined => optValues(a, ...names).at(-1);
const flag = (args: readonly string[], ...names: string[]): boolean => has(parseArgs(args), ...names);
const firstOperand = (args: readonly string[], spec?: OptSpec): string =>
  parseArgs(args, spec).operands[0] ?? "";

// ── Rules ────────────────────────────────────────────────────────────────────────────────────────────

const MAX_DEPTH = 8;
/** `list("a b c")`: long name tables stay one line each. */
const list = (names: string): string[] => names.split(" ");
const DEVICE =
  /^(?:\/dev\/(?:null|zero|full|stdin|stdout|stderr|tty|fd\/\d+)|\/proc\/self\/fd\/\d+)$|^\/dev\/(?:tcp|udp)\//;
const isDevice = (path: string): boolean => DEVICE.test(path);
const ASSIGNMENT = /^[A-Za-z_]\w*(?:\[[^\]]*\])?\+?=/;
const KEYWORDS = new Set(list("! { } if then else elif fi do done while until esac"));

type Lang = "python" | "node" | "perl" | "ruby" | "php";

interface Ctx {
  /** Canonical command name (`python3.12` → `python`), used to pick the rule. */
  readonly name: string;
  /** The command as written (basename), used in details. */
  readonly prog: string;
  readonly args: string[];
  readonly cmd: Command;
  readonly depth: number;
  readonly audit: Audit;
}

type Rule = (c: Ctx) => void;

class Audit {
  readonly findings: CommandFinding[] = [];
  private readonly seen = new Set<string>();

  emit(kind: string, detail: string, path?: string): void {
    const key = `${kind}\0${path ?? `\0${detail}`}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.findings.push(path === undefined ? { kind, detail } : { kind, path, detail });
  }

  script(text: string, depth: number): void {
    if (depth > MAX_DEPTH) return;
    for (const cmd of new Lexer(text).parse()) {
      for (const r of cmd.redirects) {
        if (isDevice(r.target) || /^[<>]\(/.test(r.target)) continue;
        const verb = r.op.endsWith(">>")
          ? "appends output to"
          : r.op === "<>"
            ? "opens for writing"
            : "redirects output into";
        this.emit("redirect", `${verb} ${r.target}`, r.target);
      }
      this.words(cmd.words, cmd, depth);
    }
  }

  words(words: readonly string[], cmd: Command, depth: number): void {
    let i = 0;
    while (i < words.length && (ASSIGNMENT.test(words[i] ?? "") || KEYWORDS.has(words[i] ?? ""))) i++;
    const first = words[i];
    const args = words.slice(i + 1);
    if (first === undefined || args.includes("--help") || args.includes("--version")) return;
    const prog = first.slice(first.lastIndexOf("/") + 1);
    const name = canonical(prog);
    RULES[name]?.({ name, prog, args, cmd, depth, audit: this });
  }

  /** Script text reaching a command on stdin: its heredoc, or what `cat <<EOF |` / `echo … |` pipes in. */
  stdinOf(cmd: Command): string | undefined {
    if (cmd.stdin !== undefined || cmd.pipedFrom === undefined) return cmd.stdin;
    const [head = "", ...rest] = cmd.pipedFrom.words;
    const name = canonical(head.slice(head.lastIndexOf("/") + 1));
    if (name === "cat" && rest.length === 0) return cmd.pipedFrom.stdin;
    if (name === "echo" || name === "printf") return rest.filter((w) => !/^-[neE]+$/.test(w)).join(" ");
    return undefined;
  }

  /** Inline interpreter code: looks for the language's file-writing APIs and shell-outs. */
  code(lang: Lang, prog: string, text: string, depth: number): void {
    for (const api of API_RULES[lang]) {
      for (const m of text.matchAll(api.re)) {
        const at = m.index ?? 0;
        const args = callArgs(text, at + m[0].length);
        if (api.when && !api.when(args)) continue;
        if (api.shell) {
          const script = shellText(args, api.shell);
          if (script) this.script(script, depth + 1);
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
        this.emit(
          "inline-script",
          `${prog} code ${path === undefined ? "calls" : "modifies"} ${path ?? call}${path === undefined ? "" : ` (${call})`}`,
          path,
        );
      }
    }
  }
}

function canonical(prog: string): string {
  const versioned = /^(python|pip|perl|ruby|php|node)(?:js)?[\d.]*$/.exec(prog);
  if (versioned?.[1]) return versioned[1];
  if (/^(?:ba|da|k|z|a|mk)?sh$/.test(prog)) return "sh";
  if (/^[gmn]?awk$/.test(prog)) return "awk";
  if (prog === "gsed") return "sed";
  if (prog === "applypatch") return "apply_patch";
  return prog;
}

/** Emits one finding per path, or a pathless one when the command names none (e.g. fed by xargs). */
function writes(c: Ctx, kind: string, paths: readonly string[], detail: (path: string) => string): void {
  if (paths.length === 0) c.audit.emit(kind, `${c.prog} modifies files`);
  for (const path of paths) if (!isDevice(path)) c.audit.emit(kind, detail(path), path);
}

const inPlace = (c: Ctx, files: readonly string[]): void =>
  writes(c, "in-place-edit", files, (f) => `${c.prog} edits ${f} in place`);

// File commands: which operands they write, after their options.
interface FileRule {
  readonly verb: string;
  readonly spec?: OptSpec;
  /** Leading operands that are not files (chown's owner). */
  readonly skip?: number;
  /** Only the destination is written (cp, ln): `-t DIR` or the last operand. */
  readonly dest?: boolean;
}

const FILE_COMMANDS: Readonly<Record<string, FileRule>> = {
  rm: { verb: "removes" },
  rmdir: { verb: "removes" },
  unlink: { verb: "removes" },
  shred: { verb: "overwrites", spec: { value: "ns" } },
  touch: { verb: "creates or updates", spec: { value: "dtr" } },
  mkdir: { verb: "creates", spec: { value: "mZ" } },
  mkfifo: { verb: "creates", spec: { value: "mZ" } },
  truncate: { verb: "truncates", spec: { value: "sr" } },
  chown: { verb: "changes the owner of", skip: 1 },
  chgrp: { verb: "changes the group of", skip: 1 },
  mv: { verb: "moves", spec: { value: "tS", long: ["--target-directory", "--suffix"] } },
  cp: { verb: "copies into", spec: { value: "tS", long: ["--target-directory", "--suffix"] }, dest: true },
  ln: {
    verb: "creates a link at",
    spec: { value: "tS", long: ["--target-directory", "--suffix"] },
    dest: true,
  },
  install: {
    verb: "installs into",
    spec: { value: "mogtS", long: ["--target-directory", "--mode"] },
    dest: true,
  },
  sponge: { verb: "writes" },
};

function fileCommand(c: Ctx, rule: FileRule): void {
  const p = parseArgs(c.args, rule.spec);
  let paths = p.operands.slice(has(p, "--reference") ? 0 : (rule.skip ?? 0));
  const dir = optValue(p, "-t", "--target-directory");
  if (rule.dest && !(c.name === "install" && has(p, "-d", "--directory"))) {
    paths = dir !== undefined ? [dir] : paths.length >= 2 ? paths.slice(-1) : [];
  } else if (dir !== undefined) paths.push(dir);
  writes(c, "file-command", paths, (f) => `${c.prog} ${rule.verb} ${f}`);
}

function chmod(c: Ctx): void {
  // `chmod -x f`: a mode, not an option; chmod's real options are few.
  const operands = c.args.filter((a) => !/^-[RcfvHLP]+$|^--/.test(a));
  const ref = c.args.some((a) => a.startsWith("--reference"));
  writes(c, "file-command", operands.slice(ref ? 0 : 1), (f) => `chmod changes the mode of ${f}`);
}

function tee(c: Ctx): void {
  const files = parseArgs(c.args).operands.filter((f) => f !== "-");
  if (files.length > 0) writes(c, "file-command", files, (f) => `tee writes ${f}`);
}

function dd(c: Ctx): void {
  for (const a of c.args) {
    const out = a.startsWith("of=") ? a.slice(3) : undefined;
    if (out && !isDevice(out)) c.audit.emit("file-command", `dd writes ${out}`, out);
  }
}

function find(c: Ctx): void {
  const args = c.args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    const file = args[i + 1];
    if (a === "-delete") c.audit.emit("file-command", "find -delete removes files");
    else if (/^-(?:fprint0?|fprintf|fls)$/.test(a) && file !== undefined && !isDevice(file)) {
      c.audit.emit("file-command", `find ${a} writes ${file}`, file);
    } else if (/^-(?:exec|execdir|ok|okdir)$/.test(a)) {
      let j = i + 1;
      while (j < args.length && args[j] !== ";" && args[j] !== "+") j++;
      c.audit.words(
        args.slice(i + 1, j).filter((w) => w !== "{}"),
        c.cmd,
        c.depth,
      );
      i = j;
    }
  }
}

function curl(c: Ctx): void {
  const p = parseArgs(c.args, {
    value: "oDcHdXuAebwxmrTFKECyYzUQPt",
    long: list(
      "--output --dump-header --cookie-jar --header --data --data-raw --data-binary --request --user --user-agent --cookie --write-out --url --form --config --output-dir --upload-file",
    ),
  });
  for (const f of optValues(p, "-o", "--output", "-D", "--dump-header", "-c", "--cookie-jar")) {
    if (f !== "-" && !isDevice(f)) c.audit.emit("file-command", `curl writes ${f}`, f);
  }
  if (has(p, "-O", "--remote-name", "--remote-name-all")) {
    c.audit.emit("file-command", "curl saves the download under its remote name");
  }
}

function wget(c: Ctx): void {
  const p = parseArgs(c.args, {
    value: "OoaPeUtTwQiBDlAR",
    long: list(
      "--output-document --output-file --append-output --directory-prefix --execute --user-agent --header --input-file --tries --timeout --post-data --user --password",
    ),
  });
  for (const log of optValues(p, "-o", "--output-file", "-a", "--append-output")) {
    if (!isDevice(log)) c.audit.emit("file-command", `wget writes its log to ${log}`, log);
  }
  if (has(p, "--spider") || (p.operands.length === 0 && !has(p, "-i", "--input-file"))) return;
  const doc = optValue(p, "-O", "--output-document");
  if (doc === "-" || (doc !== undefined && isDevice(doc))) return;
  const target = doc ?? optValue(p, "-P", "--directory-prefix");
  c.audit.emit("file-command", target ? `wget downloads into ${target}` : "wget downloads files", target);
}

function tar(c: Ctx): void {
  const [head = "", ...tail] = c.args;
  const args = /^[A-Za-z]+$/.test(head) ? [`-${head}`, ...tail] : c.args; // old style: `tar xzf a.tgz`
  const p = parseArgs(args, {
    value: "fCbHgIKLNTVX",
    long: ["--file", "--directory", "--files-from", "--exclude-from", "--exclude", "--use-compress-program"],
  });
  if (has(p, "-x", "--extract", "--get")) {
    if (has(p, "-O", "--to-stdout")) return;
    const dir = optValue(p, "-C", "--directory");
    c.audit.emit("file-command", dir ? `tar extracts files into ${dir}` : "tar extracts files", dir);
  } else if (
    has(p, "-c", "--create", "-r", "--append", "-u", "--update", "-A", "--concatenate", "--delete")
  ) {
    const archive = optValue(p, "-f", "--file");
    if (archive && archive !== "-" && !isDevice(archive))
      c.audit.emit("file-command", `tar writes ${archive}`, archive);
  }
}

function unzip(c: Ctx): void {
  const p = parseArgs(c.args, { value: "dP" });
  if (p.operands.length === 0 || has(p, "-l", "-v", "-t", "-p", "-c", "-z", "-Z")) return;
  const dir = optValue(p, "-d");
  c.audit.emit("file-command", dir ? `unzip extracts into ${dir}` : "unzip extracts files", dir);
}

function zip(c: Ctx): void {
  const archive = parseArgs(c.args, { value: "bntP" }).operands[0];
  if (archive && archive !== "-") c.audit.emit("file-command", `zip writes ${archive}`, archive);
}

function compressor(c: Ctx): void {
  const p = parseArgs(c.args, { value: "So", long: ["--suffix", "--output"] });
  if (has(p, "-c", "--stdout", "--to-stdout", "-l", "--list", "-t", "--test")) return;
  const out = optValue(p, "-o", "--output");
  const files = out !== undefined ? [out] : p.operands.filter((f) => f !== "-");
  const verb = c.prog.startsWith("un") || has(p, "-d", "--decompress") ? "decompresses" : "compresses";
  if (files.length > 0) writes(c, "file-command", files, (f) => `${c.prog} ${verb} ${f}`);
}

function split(c: Ctx): void {
  const p =
    c.name === "csplit"
      ? parseArgs(c.args, { value: "fbn", long: ["--prefix", "--suffix-format", "--digits"] })
      : parseArgs(c.args, { value: "abClnt", long: ["--bytes", "--lines", "--number", "--line-bytes"] });
  if (has(p, "--filter")) return;
  const prefix = c.name === "csplit" ? optValue(p, "-f", "--prefix") : p.operands[1];
  c.audit.emit(
    "file-command",
    prefix ? `${c.prog} writes ${prefix}* pieces` : `${c.prog} writes pieces`,
    prefix,
  );
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

function rsync(c: Ctx): void {
  const p = parseArgs(c.args, {
    value: "efBMT",
    long: ["--exclude", "--include", "--filter", "--rsh", "--exclude-from", "--include-from", "--files-from"],
  });
  const dest = p.operands.at(-1);
  if (dest !== undefined && p.operands.length >= 2 && !has(p, "-n", "--dry-run")) {
    c.audit.emit("file-command", `rsync writes ${dest}`, dest);
  }
}

function venv(c: Ctx): void {
  const dir = parseArgs(c.args, { value: "p", long: ["--prompt", "--python"] }).operands[0];
  if (dir) c.audit.emit("file-command", `${c.prog} creates a virtual environment at ${dir}`, dir);
}

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

function formatter(c: Ctx, key: string, args: readonly string[]): boolean {
  const rewrites = FORMATTERS[key];
  if (rewrites === undefined) return false;
  if (rewrites(parseArgs(args))) c.audit.emit("in-place-edit", `${key} rewrites files in place`);
  return true;
}

// Commands that run the rest of their arguments as another command.
const WRAPPERS: Readonly<Record<string, OptSpec>> = {
  sudo: { value: "ugpChDrtTU", long: ["--user", "--group", "--prompt", "--chdir", "--host"] },
  doas: { value: "uC" },
  env: { value: "uCS", long: ["--unset", "--chdir", "--split-string"] },
  nice: { value: "n", long: ["--adjustment"] },
  timeout: { value: "sk", long: ["--signal", "--kill-after"] },
  nohup: {},
  time: {},
  command: {},
  builtin: {},
  exec: { value: "a" },
  stdbuf: { value: "ioe" },
  ionice: { value: "cnp" },
  xargs: {
    value: "IdnLPsaE",
    attached: "iel",
    long: ["--delimiter", "--max-args", "--max-lines", "--max-procs", "--max-chars", "--arg-file"],
  },
  npx: { value: "pc", long: ["--package", "--call"] },
  pnpx: { value: "pc", long: ["--package", "--call"] },
  bunx: {},
  uvx: { long: ["--from", "--with", "--python"] },
  unbuffer: {},
};

function wrapper(c: Ctx, spec: OptSpec): void {
  const p = parseArgs(c.args, { ...spec, stopAtOperand: true });
  if (c.name === "command" && has(p, "-v", "-V")) return;
  const call = c.name.endsWith("npx") ? optValue(p, "-c", "--call") : undefined;
  if (call !== undefined) c.audit.script(call, c.depth + 1);
  c.audit.words(c.name === "timeout" ? p.operands.slice(1) : p.operands, c.cmd, c.depth);
}

function shell(c: Ctx): void {
  const p = parseArgs(c.args, { value: "oO", long: ["--rcfile", "--init-file"], stopAtOperand: true });
  const script = has(p, "-c")
    ? p.operands[0]
    : p.operands.length === 0 || p.operands[0] === "-" || has(p, "-s")
      ? c.audit.stdinOf(c.cmd)
      : undefined;
  if (script !== undefined) c.audit.script(script, c.depth + 1);
}

/** Code given inline, or read from stdin when no script file is named. */
function inline(c: Ctx, lang: Lang, code: readonly string[], operands: readonly string[]): void {
  const text =
    code.length > 0
      ? code.join("\n")
      : operands.length === 0 || operands[0] === "-"
        ? c.audit.stdinOf(c.cmd)
        : undefined;
  if (text !== undefined) c.audit.code(lang, c.prog, text, c.depth);
}

function python(c: Ctx): void {
  const p = parseArgs(c.args, { value: "cmWX", stopAtOperand: true });
  const mod = optValue(p, "-m");
  if (mod !== undefined) c.audit.words([mod, ...p.operands], c.cmd, c.depth);
  else inline(c, "python", optValues(p, "-c"), p.operands);
}

const NODE_EVAL = ["-e", "--eval", "-p", "--print"];

function node(c: Ctx): void {
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

// Package managers: the subcommands that install, remove or update dependencies.
interface PackageRule {
  readonly subs: readonly string[];
  readonly spec?: OptSpec;
  /** Running the tool with no subcommand installs (`yarn`, `bundle`). */
  readonly bare?: boolean;
  /** Two-level subcommands: `uv pip install`, `go mod tidy`. */
  readonly nested?: Readonly<Record<string, readonly string[]>>;
  /** Subcommands that run another program (`npm exec`, `uv run`): audited as that command. */
  readonly run?: readonly string[];
}

const NPM_INSTALL = list("install i in ins inst insta instal isnt isnta isntal isntall add");
const NPM_OTHER = list("ci clean-install ic install-clean install-ci-test cit install-test it");
const NPM_REMOVE = list("uninstall un unlink remove rm r update up upgrade udpate link ln");
const JS_MANAGER = list("install i add a remove rm uninstall un update up upgrade link ln");
const CONDA = { subs: ["install", "remove", "uninstall", "update", "upgrade", "create"], run: ["run"] };
const APT = {
  subs: ["install", "reinstall", "remove", "purge", "autoremove", "upgrade", "dist-upgrade", "full-upgrade"],
};
const YUM = {
  subs: ["install", "reinstall", "remove", "erase", "upgrade", "update", "downgrade", "autoremove"],
};
const BUNDLE = { subs: ["install", "add", "update", "remove", "lock"], bare: true, run: ["exec"] };

const PACKAGE_MANAGERS: Readonly<Record<string, PackageRule>> = {
  npm: {
    subs: [...NPM_INSTALL, ...NPM_OTHER, ...NPM_REMOVE, "dedupe", "ddp", "prune", "rebuild", "rb"],
    spec: { value: "wC", long: ["--prefix", "--workspace"] },
    nested: { audit: ["fix"] },
    run: ["exec", "x"],
  },
  pnpm: {
    subs: [...JS_MANAGER, ...list("unlink import prune dedupe install-test it rebuild rb fetch")],
    spec: { value: "CF", long: ["--dir", "--filter"] },
    run: ["exec", "dlx"],
  },
  yarn: {
    subs: [...JS_MANAGER, "upgrade-interactive", "unlink", "import", "dedupe"],
    spec: { long: ["--cwd"] },
    bare: true,
    run: ["dlx", "exec"],
  },
  bun: { subs: [...JS_MANAGER, "unlink"], run: ["x", "exec"] },
  deno: { subs: ["install", "add", "remove", "uninstall"] },
  pip: { subs: ["install", "uninstall", "download"] },
  pipx: { subs: ["install", "uninstall", "upgrade", "upgrade-all", "reinstall", "inject"], run: ["run"] },
  uv: {
    subs: ["add", "remove", "sync", "lock", "venv"],
    nested: { pip: ["install", "uninstall", "sync"], tool: ["install", "uninstall", "upgrade"] },
    run: ["run"],
  },
  poetry: { subs: ["add", "install", "remove", "update", "lock", "sync"], run: ["run"] },
  pipenv: { subs: ["install", "uninstall", "update", "upgrade", "lock", "sync", "clean"], run: ["run"] },
  conda: CONDA,
  mamba: CONDA,
  micromamba: CONDA,
  cargo: {
    subs: ["add", "install", "remove", "rm", "uninstall", "update"],
    spec: { value: "Z", long: ["--manifest-path"] },
  },
  go: {
    subs: ["get", "install"],
    nested: {
      mod: ["tidy", "download", "vendor", "init", "edit"],
      work: ["init", "use", "sync", "edit", "vendor"],
    },
  },
  gem: { subs: ["install", "uninstall", "update"] },
  bundle: BUNDLE,
  bundler: BUNDLE,
  composer: { subs: ["install", "i", "require", "update", "u", "upgrade", "remove"] },
  apt: APT,
  "apt-get": APT,
  aptitude: APT,
  dnf: YUM,
  yum: YUM,
  microdnf: YUM,
  apk: { subs: ["add", "del", "upgrade", "fix"] },
  brew: {
    subs: ["install", "reinstall", "uninstall", "remove", "rm", "upgrade", "tap", "untap", "link", "unlink"],
  },
  zypper: { subs: ["install", "in", "remove", "rm", "update", "up", "dist-upgrade", "dup"] },
};

function packageManager(c: Ctx, pm: PackageRule): void {
  const [sub, ...rest] = parseArgs(c.args, { ...pm.spec, stopAtOperand: true }).operands;
  if (sub === undefined) {
    if (pm.bare) c.audit.emit("package-install", `${c.prog} installs dependencies`);
    return;
  }
  if (pm.run?.includes(sub)) {
    c.audit.words(rest[0] === "--" ? rest.slice(1) : rest, c.cmd, c.depth);
    return;
  }
  if (formatter(c, `${c.name} ${sub}`, rest)) return;
  const nested = pm.nested?.[sub];
  const action = nested ? firstOperand(rest) : sub;
  if ((nested ?? pm.subs).includes(action)) {
    c.audit.emit(
      "package-install",
      `${c.prog} ${nested ? `${sub} ${action}` : action} changes installed packages`,
    );
  }
}

function bun(c: Ctx): void {
  if (c.args.some((a) => NODE_EVAL.includes(a))) node(c);
  else packageManager(c, PACKAGE_MANAGERS.bun ?? { subs: [] });
}

function deno(c: Ctx): void {
  if (c.args[0] === "eval") c.audit.code("node", c.prog, c.args.slice(1).join(" "), c.depth);
  else packageManager(c, PACKAGE_MANAGERS.deno ?? { subs: [] });
}

const RULES: Readonly<Record<string, Rule>> = {
  ...Object.fromEntries(
    Object.entries(FILE_COMMANDS).map(([n, r]): [string, Rule] => [n, (c) => fileCommand(c, r)]),
  ),
  ...Object.fromEntries(Object.entries(WRAPPERS).map(([n, s]): [string, Rule] => [n, (c) => wrapper(c, s)])),
  ...Object.fromEntries(
    Object.entries(PACKAGE_MANAGERS).map(([n, r]): [string, Rule] => [n, (c) => packageManager(c, r)]),
  ),
  ...Object.fromEntries(
    Object.keys(FORMATTERS).map((n): [string, Rule] => [n, (c) => void formatter(c, n, c.args)]),
  ),
  ...Object.fromEntries(
    list("gzip gunzip bzip2 bunzip2 xz unxz lzma unlzma zstd unzstd pigz unpigz lz4 compress uncompress").map(
      (n): [string, Rule] => [n, compressor],
    ),
  ),
  chmod,
  tee,
  dd,
  find,
  curl,
  wget,
  tar,
  unzip,
  zip,
  split,
  csplit: split,
  patch,
  rsync,
  venv,
  virtualenv: venv,
  sed,
  awk,
  perl,
  ruby,
  php,
  python,
  node,
  bun,
  deno,
  git,
  apply_patch: applyPatch,
  sh: shell,
  eval: (c) => c.audit.script(c.args.join(" "), c.depth + 1),
  su: (c) => {
    const script = optValue(
      parseArgs(c.args, { value: "csgG", long: ["--command", "--shell"] }),
      "-c",
      "--command",
    );
    if (script !== undefined) c.audit.script(script, c.depth + 1);
  },
};

// ── Inline interpreter code ──────────────────────────────────────────────────────────────────────────
// Regex-level, not parsing: each rule names a writing API; its arguments are read to find the file (or the
// mode that makes `open` a write). Shell-outs with a literal command are audited as shell commands.

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
