/**
 * The top-level analyser: walks the commands of a script, reports its redirections, and hands each command
 * to the rule for its program, which may call back to audit inner commands. Collects distinct findings.
 */

import { type Auditor, type CommandFinding, isDevice } from "./context.js";
import { list } from "./options.js";
import { RULES } from "./rules.js";
import { ASSIGNMENT, type Command, parseCommands } from "./tokenize.js";

const MAX_DEPTH = 8;
const KEYWORDS = new Set(list("! { } if then else elif fi do done while until esac"));

export class Audit implements Auditor {
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
    for (const cmd of parseCommands(text)) {
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
