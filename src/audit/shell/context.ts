/**
 * The contract between the analyser and the per-program rules: the finding type, what a rule is given
 * (`Ctx`, with the `Auditor` callbacks to emit findings and audit inner commands), and the shared helpers
 * rules use to report written paths.
 */

import type { Command } from "./tokenize.js";

export interface CommandFinding {
  /** "redirect" | "file-command" | "in-place-edit" | "git" | "package-install" | "inline-script" | "apply-patch" */
  readonly kind: string;
  /** The file written/removed, when known (as written in the command, not resolved). */
  readonly path?: string;
  /** One short human sentence, e.g. "redirects output into notes.txt", "git stash changes the stash". */
  readonly detail: string;
}

/** What rules may call back into: the analyser that runs them. */
export interface Auditor {
  /** Records one finding (each distinct finding once). */
  emit(kind: string, detail: string, path?: string): void;
  /** Audits shell script text run by the command (`sh -c`, `eval`, shell-outs). */
  script(text: string, depth: number): void;
  /** Audits a command given as words (wrappers such as `sudo`, `xargs`, `find -exec`). */
  words(words: readonly string[], cmd: Command, depth: number): void;
  /** Script text reaching a command on stdin, if known. */
  stdinOf(cmd: Command): string | undefined;
}

export interface Ctx {
  /** Canonical command name (`python3.12` → `python`), used to pick the rule. */
  readonly name: string;
  /** The command as written (basename), used in details. */
  readonly prog: string;
  readonly args: string[];
  readonly cmd: Command;
  readonly depth: number;
  readonly audit: Auditor;
}

export type Rule = (c: Ctx) => void;

const DEVICE =
  /^(?:\/dev\/(?:null|zero|full|stdin|stdout|stderr|tty|fd\/\d+)|\/proc\/self\/fd\/\d+)$|^\/dev\/(?:tcp|udp)\//;
export const isDevice = (path: string): boolean => DEVICE.test(path);

/** Emits one finding per path, or a pathless one when the command names none (e.g. fed by xargs). */
export function writes(
  c: Ctx,
  kind: string,
  paths: readonly string[],
  detail: (path: string) => string,
): void {
  if (paths.length === 0) c.audit.emit(kind, `${c.prog} modifies files`);
  for (const path of paths) if (!isDevice(path)) c.audit.emit(kind, detail(path), path);
}

export const inPlace = (c: Ctx, files: readonly string[]): void =>
  writes(c, "in-place-edit", files, (f) => `${c.prog} edits ${f} in place`);
