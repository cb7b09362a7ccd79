import { z } from "zod";
import { AGENT_NAMES } from "../core/agent-names.js";
import { durationSeconds } from "./duration.js";
import { optionValue, reasoningEffort } from "./values.js";

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "environment variable names are letters, digits and _");

export const portsSchema = z
  .object({
    from: z.number().int().min(1024).max(65535),
    to: z.number().int().min(1024).max(65535),
    env: envName.default("CODEXMCP_PORT"),
  })
  .strict()
  .refine((p) => p.to >= p.from, { message: "ports.to must be >= ports.from" });

const relativeGlob = z
  .string()
  .min(1)
  .refine(
    (g) => !g.startsWith("/") && !g.split("/").includes(".."),
    "copy patterns are relative to the repository and never leave it (no leading / and no ..)",
  );

export const worktreeSchema = z
  .object({
    /** Where worktrees go: absolute, ~/…, or relative to the repository root. */
    root: z.string().min(1).optional(),
    /** Untracked files (globs, e.g. .env*) copied from the checkout into a worktree that lacks them. */
    copy: z.array(relativeGlob).optional(),
    /** Shell commands run in the worktree before Codex (as written in the file, like npm scripts). */
    setup: z.array(z.string().min(1)).optional(),
    /** Run setup when the worktree is created (default) or before every task. */
    setup_on: z.enum(["create", "always"]).optional(),
  })
  .strict();

export const agentField = z.enum(AGENT_NAMES, { message: `agent must be one of ${AGENT_NAMES.join(", ")}` });

/** Keys a repository may set in `.codexmcp.yaml` (and a user may default in config.yaml). */
export const repoConfigShape = {
  /** The agent tasks in this repository use unless a call names one. */
  agent: agentField.optional(),
  worktree: worktreeSchema.optional(),
  env: z.record(envName, z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
  ports: portsSchema.optional(),
  model: optionValue("model").optional(),
  profile: optionValue("profile").optional(),
  reasoning_effort: reasoningEffort.optional(),
  timeout: durationSeconds("timeout").optional(),
  topic_types: z
    .array(z.string().regex(/^[a-z][a-z0-9]{0,19}$/, "topic types are lower-case words"))
    .min(1)
    .optional(),
};

export const repoConfigSchema = z.object(repoConfigShape).strict();
export type RepoConfig = z.infer<typeof repoConfigSchema>;

const bool = z
  .union([z.boolean(), z.enum(["1", "0", "true", "false", "yes", "no", "on", "off"])])
  .transform(toBool);

export function toBool(v: boolean | string): boolean {
  return typeof v === "boolean" ? v : ["1", "true", "yes", "on"].includes(v.toLowerCase());
}

const TERMINAL_STATUSES = ["completed", "failed", "cancelled", "timed_out"] as const;

/**
 * `notify:` in config.yaml: how a person is told that a task ended. The webhook's URL and
 * secret live only here (never in argv, logs or a task's environment).
 */
export const notifySchema = z
  .object({
    /** `codexmcp watch` rings the terminal bell and sends OSC 9 (default on). */
    bell: bool.optional(),
    /** A desktop notification through notify-send, where it is installed (default on). */
    desktop: bool.optional(),
    /** Tell when a running task's agent has printed nothing this long (default 10m; 0 = never). */
    stall_after: durationSeconds("notify.stall_after").optional(),
    webhook: z
      .object({
        url: z
          .url({ protocol: /^https?$/, message: "notify.webhook.url must be an http:// or https:// URL" })
          .max(4096),
        /** Signs each body: X-Codexmcp-Signature: sha256=<HMAC of the body>. */
        secret: z.string().min(16, "notify.webhook.secret must be at least 16 characters").optional(),
        /** Attempts after the first (default 3); waits 1 s, 2 s, 4 s, … between them. */
        retries: z.number().int().min(0).max(10).optional(),
        timeout: durationSeconds("notify.webhook.timeout").optional(),
        /** Only these events: endings by status, and "stalled" (default: all). */
        on: z
          .array(
            z.enum([...TERMINAL_STATUSES, "stalled"], {
              message: `notify.webhook.on lists ${[...TERMINAL_STATUSES, "stalled"].join(", ")}`,
            }),
          )
          .min(1)
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
/** A word ssh could read as an option, or a shell as more than one word, is refused. */
const sshWord = z
  .string()
  .min(1)
  .max(1024)
  .refine((s) => !s.startsWith("-") && !/[\s\0]/.test(s), "must not start with - or hold spaces");

/** A remote host tasks can run on (`hosts:` in config.yaml; see README "Remote hosts"). */
export const hostSchema = z
  .object({
    /** What the tools' `host` input names. */
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,39}$/i, "host names are letters, digits, _ . - (up to 40)")
      .refine((n) => !["local", "auto"].includes(n.toLowerCase()), '"local" and "auto" are reserved'),
    /** An ~/.ssh/config alias, or user@host[:port]. */
    ssh: sshWord,
    /** Tasks this host runs at once (its own queue holds the rest). */
    max_parallel: z.number().int().min(1).max(256).optional(),
    /** The command that runs codexmcp there (a name on the remote PATH, a path, or ~/path). */
    codexmcp: sshWord.optional(),
    /** Where the host's worktrees go (absolute or ~/…). */
    worktree_root: sshWord.optional(),
    /** Extra ssh options, before the host (e.g. ["-F", "/path/ssh_config"] or ["-J", "jump"]). */
    ssh_options: z.array(z.string().min(1).max(1024)).optional(),
    /** Variables of this server's environment that travel to the task there (on ssh's stdin). */
    env: z.array(envName).optional(),
  })
  .strict();
export type HostConfig = z.infer<typeof hostSchema>;

/** `$CODEXMCP_HOME/config.yaml`: machine-wide settings plus defaults for every repository. */
export const userConfigSchema = z
  .object({
    ...repoConfigShape,
    /** Variables a repository's .codexmcp.yaml may set although they load code (launcher-env.ts). */
    allow_repo_env: z.array(envName).optional(),
    codex_bin: z.string().min(1).optional(),
    /** Per agent: `bin`, the binary to run (a path or a name on PATH). */
    agents: z.partialRecord(agentField, z.object({ bin: z.string().min(1).optional() }).strict()).optional(),
    tmux_bin: z.string().min(1).optional(),
    tmux_socket: z.string().optional(),
    task_timeout: durationSeconds("task_timeout").optional(),
    unreachable_timeout: durationSeconds("unreachable_timeout").optional(),
    stall_timeout: durationSeconds("stall_timeout").optional(),
    agent_mcp_servers: z.enum(["none", "inherit"]).optional(),
    max_parallel: z.number().int().min(1).max(256).optional(),
    max_wait: durationSeconds("max_wait").optional(),
    wait: z
      .object({
        default_timeout: durationSeconds("wait.default_timeout").optional(),
        max_timeout: durationSeconds("wait.max_timeout").optional(),
      })
      .strict()
      .optional(),
    progress_interval: durationSeconds("progress_interval").optional(),
    retention_days: z.number().min(0).optional(),
    task_links: bool.optional(),
    readonly_fallback: z.object({ enabled: bool.optional(), restore: bool.optional() }).strict().optional(),
    notify: notifySchema.optional(),
    /** `codexmcp usage`: prices (USD per million tokens) that add to or override the built-in table. */
    usage: z
      .object({
        prices: z
          .record(
            z.string().min(1).max(200),
            z
              .object({
                input: z.number().min(0),
                cached_input: z.number().min(0).optional(),
                output: z.number().min(0),
              })
              .strict(),
          )
          .optional(),
      })
      .strict()
      .optional(),
    hosts: z
      .array(hostSchema)
      .refine((hs) => new Set(hs.map((h) => h.name)).size === hs.length, "host names must be unique")
      .optional(),
    /** `host: "auto"` may also pick this machine. */
    auto_includes_local: bool.optional(),
    standby_runner: bool.optional(),
  })
  .strict();
export type UserConfig = z.infer<typeof userConfigSchema>;
