/**
 * Rules for package managers: the subcommands that install, remove or update dependencies, and those that
 * run another program (`npm exec`, `uv run`), audited as that program.
 */

import type { Ctx, Rule } from "./context.js";
import { formatter } from "./edit-rules.js";
import { auditInlineCode } from "./inline-code.js";
import { NODE_EVAL, node } from "./interpreter-rules.js";
import { firstOperand, list, type OptSpec, parseArgs } from "./options.js";

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
  if (c.args[0] === "eval") auditInlineCode(c.audit, "node", c.prog, c.args.slice(1).join(" "), c.depth);
  else packageManager(c, PACKAGE_MANAGERS.deno ?? { subs: [] });
}

export const PACKAGE_RULES: Readonly<Record<string, Rule>> = {
  ...Object.fromEntries(
    Object.entries(PACKAGE_MANAGERS).map(([n, r]): [string, Rule] => [n, (c) => packageManager(c, r)]),
  ),
  bun,
  deno,
};
