/**
 * The shell lexer: enough of bash to list the simple commands a script runs, with quote-removed words,
 * redirections and heredoc / here-string input.
 *
 * Substitutions are lexed in place, so the commands inside `$( )`, backticks and `<( )` join the same flat
 * list: the audit only needs "which commands run", never the tree shape.
 */

interface Redirect {
  readonly op: string;
  readonly target: string;
}

export interface Command {
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

/** The simple commands `src` runs, in order, including those inside substitutions. */
export function parseCommands(src: string): Command[] {
  return new Lexer(src).parse();
}

/** A `NAME=value` (or `NAME+=value`, `NAME[i]=value`) assignment word. */
export const ASSIGNMENT = /^[A-Za-z_]\w*(?:\[[^\]]*\])?\+?=/;
