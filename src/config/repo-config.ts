import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { hasErrorCode, UserError } from "../util/errors.js";
import { refusedRepoVariables } from "./launcher-env.js";
import { describeZodIssues } from "./load.js";
import { type RepoConfig, repoConfigSchema } from "./schema.js";
import { sha256Of, type TrustState } from "./trust.js";
import { parseYaml } from "./yaml.js";

export const REPO_CONFIG_FILE = ".codexmcp.yaml";

/** A repository's `.codexmcp.yaml` as read: its real path, its content's hash, its settings. */
export interface RepoConfigFile {
  /** The directory it was read from (the repository's top). */
  readonly root: string;
  /** Its real path (a link is followed: what is trusted is the content read). */
  readonly file: string;
  readonly sha256: string;
  readonly config: RepoConfig;
}

/**
 * Keys that run code or change what runs, so they apply only once a person trusted the file:
 * `env` and `ports` (variables in every process of the task), `worktree.setup` (commands),
 * `worktree.copy` (files copied next to the agent), `worktree.root` (where a checkout of the
 * repository is written), `profile` (picks a block of the user's Codex settings: provider,
 * MCP servers, sandbox options), `agent` (which CLI runs, and so which sandbox: an agent without
 * a read-only mode runs read-only tasks unsandboxed, audited). The rest — `model`,
 * `reasoning_effort`, `timeout`, `topic_types` — change cost or naming only, and apply untrusted.
 */
export const TRUSTED_ONLY_KEYS = [
  "env",
  "ports",
  "profile",
  "agent",
  "worktree.root",
  "worktree.copy",
  "worktree.setup",
  "worktree.setup_on",
] as const;
export type TrustedOnlyKey = (typeof TRUSTED_ONLY_KEYS)[number];

/** The trusted-only keys `config` sets. */
export function trustedOnlyKeys(config: RepoConfig): TrustedOnlyKey[] {
  const set = (v: unknown) => v !== undefined && !(Array.isArray(v) && v.length === 0);
  return TRUSTED_ONLY_KEYS.filter((key) => {
    const [a, b] = key.split(".") as [keyof RepoConfig, string | undefined];
    const v = config[a];
    return b === undefined ? set(v) : set((v as Record<string, unknown> | undefined)?.[b]);
  });
}

/** The keys that apply whether or not the file is trusted. */
export function harmlessPart(config: RepoConfig): RepoConfig {
  const { model, reasoning_effort, timeout, topic_types } = config;
  return { model, reasoning_effort, timeout, topic_types };
}

/** Reads and validates `<root>/.codexmcp.yaml`; undefined when there is none. */
export async function readRepoConfig(root: string): Promise<RepoConfigFile | undefined> {
  const file = path.join(root, REPO_CONFIG_FILE);
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch (err) {
    if (hasErrorCode(err, "ENOENT", "ENOTDIR")) return undefined;
    throw new UserError(`Cannot read ${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = await parseYaml(bytes.toString("utf8"));
  } catch (err) {
    throw new UserError(`${file} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const parsed = repoConfigSchema.safeParse(data ?? {});
  if (!parsed.success) throw new UserError(`${file} is invalid: ${describeZodIssues(parsed.error)}.`);
  const real = await fsp.realpath(file).catch(() => file);
  // The hash is of the very bytes parsed: what is trusted is what applies.
  return { root, file: real, sha256: sha256Of(bytes), config: parsed.data };
}

/** Repository settings over user defaults, key by key (`worktree` and `env` merge one level deeper). */
export function mergeRepoConfig(defaults: RepoConfig, repo: RepoConfig): RepoConfig {
  const defined = Object.fromEntries(Object.entries(repo).filter(([, v]) => v !== undefined));
  return {
    ...defaults,
    ...defined,
    worktree: defaults.worktree || repo.worktree ? { ...defaults.worktree, ...repo.worktree } : undefined,
    env: defaults.env || repo.env ? { ...defaults.env, ...repo.env } : undefined,
  };
}

function quoted(arg: string): string {
  return /^[A-Za-z0-9_/.:@%+=,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command that trusts the config of `root`, for messages (with the state directory when it is not the default). */
export function trustCommand(root: string, home: string): string {
  const homeFlag =
    path.resolve(home) === path.join(os.homedir(), ".codexmcp") ? "" : ` --home ${quoted(home)}`;
  return `codexmcp trust ${quoted(root)}${homeFlag}`;
}

export interface ResolveInput {
  /** The user's defaults (config.yaml): trusted. */
  readonly defaults: RepoConfig;
  readonly repo: RepoConfigFile | undefined;
  readonly trust: TrustState;
  /** Write tasks use env, ports and worktree settings; read-only tasks never do. */
  readonly write: boolean;
  /** Keys the request itself sets (they need nothing from the file). */
  readonly requested: { readonly profile?: string | undefined; readonly agent?: string | undefined };
  /** config.yaml's `allow_repo_env`. */
  readonly allowedEnv: readonly string[];
  readonly home: string;
  /** "a full-access task", for messages. */
  readonly what: string;
  /** How to trust the file, when that is not `codexmcp trust` on this machine (a host's task). */
  readonly trustAdvice?: string | undefined;
}

/**
 * The settings a task runs with. The file's harmless keys always apply; the keys that run code
 * apply only when the file is trusted as it is now, and only for the tasks that use them. A task
 * that would use an untrusted one is refused with the command that trusts the file; a variable
 * that loads code is refused even in a trusted file, unless config.yaml allows it by name.
 */
export function resolveRepoConfig(input: ResolveInput): RepoConfig {
  const { repo, defaults } = input;
  if (!repo) return defaults;
  const used = trustedOnlyKeys(repo.config).filter((key) => {
    if (key === "profile" || key === "agent") return input.requested[key] === undefined;
    return input.write;
  });
  if (used.length > 0 && input.trust.kind !== "trusted") {
    const why =
      input.trust.kind === "changed"
        ? `has changed since it was trusted (${input.trust.entry.trusted_at})`
        : "is not trusted";
    throw new UserError(
      `${repo.file} ${why}, and ${input.what} would use its ${used.join(", ")}, which can run code as you or change how it is confined: ${input.trustAdvice ?? `read the file, then run \`${trustCommand(repo.root, input.home)}\` to trust exactly this content (or remove those keys)`}.`,
    );
  }
  const trusted: RepoConfig = {};
  if (used.includes("profile")) trusted.profile = repo.config.profile;
  if (used.includes("agent")) trusted.agent = repo.config.agent;
  if (input.write) {
    const names = [
      ...Object.keys(repo.config.env ?? {}),
      ...(repo.config.ports ? [repo.config.ports.env] : []),
    ];
    const refused = refusedRepoVariables(names, input.allowedEnv);
    if (refused.length > 0) {
      const list = refused.map((r) => `${r.name} (${r.reason})`).join("; ");
      throw new UserError(
        `${repo.file} sets ${list}; codexmcp never takes such variables from a repository, trusted or not: remove them from the file, or allow them by name in ${path.join(input.home, "config.yaml")} (allow_repo_env: [${refused.map((r) => r.name).join(", ")}]).`,
      );
    }
    Object.assign(trusted, {
      env: repo.config.env,
      ports: repo.config.ports,
      worktree: repo.config.worktree,
    });
  }
  return mergeRepoConfig(defaults, { ...harmlessPart(repo.config), ...trusted });
}

/** The directory worktrees of `repoRoot` go in: worktree.root, or the repository's parent. */
export function worktreeParent(repoRoot: string, root: string | undefined): string {
  if (!root) return path.dirname(repoRoot);
  if (root === "~" || root.startsWith("~/")) return path.join(os.homedir(), root.slice(1));
  return path.resolve(repoRoot, root);
}
