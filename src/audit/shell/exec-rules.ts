/**
 * Rules for commands that run another command: wrappers (`sudo`, `env`, `xargs`, `npx`, …), shells given a
 * script, `eval` and `su -c`. The inner command is audited through the analyser.
 */

import type { Ctx, Rule } from "./context.js";
import { has, type OptSpec, optValue, parseArgs } from "./options.js";

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

export const EXEC_RULES: Readonly<Record<string, Rule>> = {
  ...Object.fromEntries(Object.entries(WRAPPERS).map(([n, s]): [string, Rule] => [n, (c) => wrapper(c, s)])),
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
