import { realpathSync } from "node:fs";
import path from "node:path";
import { defaultHome, type Settings } from "../../config/settings.js";
import { UserError } from "../../util/errors.js";
import { which } from "../../util/which.js";

/** What `install` writes into a client's entry so the server finds what it runs. */
export interface ServerEnv {
  readonly env: Record<string, string>;
  readonly notes: string[];
}

/** What npm and npx put in front of PATH: every `node_modules/.bin` up the tree and npm's node-gyp-bin. */
const NPM_BIN = /(^|[\\/])node_modules[\\/](\.bin|.*[\\/]node-gyp-bin)[\\/]?$/;

/**
 * PATH without the `node_modules/.bin` directories npm and npx put in front: a client never
 * starts the server with them, so nothing found only there can be relied on.
 */
export function clientPath(pathEnv: string | undefined): string[] {
  return (pathEnv ?? "").split(path.delimiter).filter((dir) => dir !== "" && !NPM_BIN.test(dir));
}

function dirOf(bin: string): string {
  return path.dirname(bin);
}

/**
 * The environment the server needs in a client's entry, resolved now from this shell: an
 * absolute CODEX_BIN (clients start servers with a bare PATH — a desktop app's is
 * /usr/bin:/bin — where `codex`, often an npm global, is missing), and a PATH that finds node
 * (Codex's launcher is `#!/usr/bin/env node`), git, tmux and the user's own tools, which tasks
 * run. CODEXMCP_HOME and CODEX_HOME are carried over when set, so the server uses the same task
 * store and the same Codex login as this shell. `userEnv` (--env) wins over all of it.
 */
export function resolveServerEnv(
  client: string,
  settings: Settings,
  env: NodeJS.ProcessEnv,
  userEnv: Readonly<Record<string, string>>,
): ServerEnv {
  const dirs = clientPath(env.PATH);
  const search = { PATH: dirs.join(path.delimiter) };
  const notes: string[] = [];
  const codexName = userEnv.CODEX_BIN ?? settings.codexBin;
  const codex = which(codexName, search);
  if (!codex) {
    throw new UserError(
      `The Codex CLI ("${codexName}") was not found on PATH${env.PATH?.split(path.delimiter).some((d) => NPM_BIN.test(d)) ? " (node_modules/.bin does not count: a client never has it)" : ""}; install it (npm install -g @openai/codex) or name it with --codex-bin /absolute/path/to/codex, then run install again.`,
    );
  }
  const found = [dirOf(process.execPath), dirOf(codex)];
  for (const [name, bin] of [
    ["git", "git"],
    ["tmux", settings.tmuxBin],
  ] as const) {
    const at = which(bin, search);
    if (at) found.push(dirOf(at));
    else
      notes.push(
        name === "git"
          ? "git was not found on PATH: full-access tasks need it (install git, then run install again)."
          : `tmux ("${bin}") was not found on PATH: full-access tasks run in it (install tmux, then run install again).`,
      );
  }
  const pathDirs = [...new Set([...found, ...dirs])];
  const out: Record<string, string> = { CODEX_BIN: codex, PATH: pathDirs.join(path.delimiter) };
  const ownHome = path.resolve(settings.home) !== path.resolve(defaultHome({}));
  if (ownHome) out.CODEXMCP_HOME = path.resolve(settings.home);
  if (env.CODEX_HOME) out.CODEX_HOME = path.resolve(env.CODEX_HOME);
  let real = codex;
  try {
    real = realpathSync(codex);
  } catch {
    // a dangling link was found executable a moment ago: keep the path as found
  }
  notes.unshift(
    `The entry runs ${codex}${real !== codex ? ` (${real})` : ""} as CODEX_BIN and gets this shell's PATH${ownHome || env.CODEX_HOME ? ` and ${[ownHome ? "CODEXMCP_HOME" : "", env.CODEX_HOME ? "CODEX_HOME" : ""].filter(Boolean).join(" and ")} as set here` : ""}; run install again after moving them. Check it as the client will run it: codexmcp doctor --client ${client}.`,
  );
  return { env: { ...out, ...userEnv }, notes };
}
