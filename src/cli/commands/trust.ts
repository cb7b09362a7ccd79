import { promises as fsp } from "node:fs";
import path from "node:path";
import { refusedRepoVariables } from "../../config/launcher-env.js";
import { REPO_CONFIG_FILE, readRepoConfig, trustedOnlyKeys } from "../../config/repo-config.js";
import type { RepoConfig } from "../../config/schema.js";
import type { Settings } from "../../config/settings.js";
import { sha256Of, TrustStore } from "../../config/trust.js";
import { gitMaybe } from "../../git/git.js";
import { UserError } from "../../util/errors.js";
import { nowIso } from "../../util/time.js";
import { EXIT } from "../context.js";
import type { Paint } from "../style.js";

export interface TrustOptions {
  readonly target: string | undefined;
  readonly list: boolean;
  readonly revoke: boolean;
  readonly json: boolean;
}

interface Io {
  readonly settings: Settings;
  readonly out: NodeJS.WritableStream;
  readonly p: Paint;
  readonly cwd: string;
}

/**
 * The `.codexmcp.yaml` a path means: the file itself, or the one at the top of the git work tree
 * around a directory (where dispatch reads it), or in the directory outside git.
 */
async function configFileFor(target: string): Promise<string> {
  const abs = path.resolve(target);
  const st = await fsp.stat(abs).catch(() => null);
  if (!st)
    throw new UserError(`${abs} does not exist; pass a repository directory or its ${REPO_CONFIG_FILE}.`);
  if (st.isFile()) {
    if (path.basename(abs) !== REPO_CONFIG_FILE)
      throw new UserError(`${abs} is not a ${REPO_CONFIG_FILE}; pass the repository directory or that file.`);
    return abs;
  }
  const top = (await gitMaybe(abs, ["rev-parse", "--show-toplevel"]))?.trim();
  return path.join(top || abs, REPO_CONFIG_FILE);
}

/** What trusting the file lets it do, in words. */
function describe(config: RepoConfig): string[] {
  const lines: string[] = [];
  const keys = trustedOnlyKeys(config);
  if (config.env) lines.push(`sets environment variables: ${Object.keys(config.env).join(", ")}`);
  if (config.worktree?.setup?.length) {
    lines.push(`runs before the agent (${config.worktree.setup_on ?? "create"}):`);
    for (const c of config.worktree.setup) lines.push(`    $ ${c}`);
  }
  if (config.worktree?.copy?.length) lines.push(`copies into worktrees: ${config.worktree.copy.join(", ")}`);
  if (config.worktree?.root) lines.push(`puts worktrees in: ${config.worktree.root}`);
  if (config.ports)
    lines.push(`gives each task a port ${config.ports.from}-${config.ports.to} in ${config.ports.env}`);
  if (config.profile) lines.push(`selects your Codex profile "${config.profile}"`);
  if (keys.length === 0)
    lines.push("nothing that needs trust (model, reasoning_effort, timeout and topic_types always apply)");
  return lines;
}

/** `codexmcp trust [path] | --list | --revoke [path]`. */
export async function trust(io: Io, opts: TrustOptions): Promise<number> {
  const store = new TrustStore(io.settings.home);
  const { p, out } = io;
  if (opts.list) return list(io, store, opts.json);
  const file = await configFileFor(opts.target ?? io.cwd);
  const real = await fsp.realpath(file).catch(() => file);
  if (opts.revoke) {
    const removed = await store.revoke(real);
    if (opts.json) out.write(`${JSON.stringify({ revoked: removed, file: real })}\n`);
    else
      out.write(
        removed
          ? `${p.green("✓")} ${real} is no longer trusted.\n`
          : `${real} was not trusted; nothing to revoke.\n`,
      );
    return EXIT.ok;
  }
  const repo = await readRepoConfig(path.dirname(file));
  if (!repo) throw new UserError(`There is no ${file}; nothing to trust (codexmcp works without one).`);
  const entry = await store.trust(repo.file, repo.sha256, nowIso());
  const refused = refusedRepoVariables(
    [...Object.keys(repo.config.env ?? {}), ...(repo.config.ports ? [repo.config.ports.env] : [])],
    io.settings.allowRepoEnv,
  );
  if (opts.json) {
    out.write(`${JSON.stringify({ trusted: entry, refused_variables: refused })}\n`);
    return EXIT.ok;
  }
  out.write(
    `${p.green("✓")} trusted ${repo.file} (sha256 ${repo.sha256.slice(0, 12)}…). With it, tasks in this repository:\n`,
  );
  for (const line of describe(repo.config)) out.write(`  ${line}\n`);
  for (const r of refused)
    out.write(
      `  ${p.yellow("!")} ${r.name} stays refused: it ${r.reason}; allow it by name in ${path.join(io.settings.home, "config.yaml")} (allow_repo_env) if you mean it.\n`,
    );
  out.write("Any change to the file needs trusting again.\n");
  return EXIT.ok;
}

async function list(io: Io, store: TrustStore, json: boolean): Promise<number> {
  const rows = await Promise.all(
    (await store.list()).map(async (e) => {
      const bytes = await fsp.readFile(e.path).catch(() => undefined);
      const state = !bytes ? "missing" : sha256Of(bytes) === e.sha256 ? "trusted" : "changed since trusted";
      return { ...e, state };
    }),
  );
  if (json) {
    io.out.write(`${JSON.stringify(rows, null, 2)}\n`);
    return EXIT.ok;
  }
  if (rows.length === 0) {
    io.out.write(`No repository config is trusted (list in ${store.file}).\n`);
    return EXIT.ok;
  }
  for (const r of rows) {
    const mark = r.state === "trusted" ? io.p.green("✓") : io.p.yellow("!");
    io.out.write(
      `${mark} ${r.path}  ${r.state}  (trusted ${r.trusted_at}, sha256 ${r.sha256.slice(0, 12)}…)\n`,
    );
  }
  return EXIT.ok;
}
