/**
 * Which filesystem or repository writes a shell command performs, judged from its text alone.
 *
 * Used to audit "read-only" Codex runs that had to go unsandboxed. A workspace snapshot is the second line
 * of defence, so the rules aim to be precise: a harmless `2>&1` or `grep '=>'` must not be reported.
 */

import { Audit } from "./shell/analyser.js";
import type { CommandFinding } from "./shell/context.js";

export type { CommandFinding } from "./shell/context.js";

/** Writes a shell command performs; [] for read-only commands. Each distinct finding once. */
export function findCommandWrites(command: string): CommandFinding[] {
  const audit = new Audit();
  audit.script(command, 0);
  return audit.findings;
}
