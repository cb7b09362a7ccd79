import path from "node:path";
import { parseArgs } from "node:util";
import { loadSettings } from "../config/settings.js";
import { errorMessage, UserError } from "../util/errors.js";
import { VERSION } from "../version.js";
import { cliContext, EXIT } from "./context.js";
import { SETTING_FLAGS, settingOptions, settingOverrides } from "./settings-flags.js";

const USAGE = `codexmcp ${VERSION} — hand coding work to agent CLIs (Codex, Claude Code, Gemini, …) over MCP

usage:
  codexmcp                          serve MCP over stdio (what MCP clients run)
  codexmcp serve [--transport stdio|http] [--host 127.0.0.1] [--port 8765] [--socket PATH]
                 [--token-env VAR | --no-auth] [--max-sessions N] [--max-sessions-per-client N]
                 [--session-idle S] [--allowed-host H]... [--allowed-origin O]... [--debug]
                 (HTTP needs a bearer token: made in $CODEXMCP_HOME/http-token and shown at start;
                 the web board is at / on the same port)
  codexmcp ui [--port 8766] [--host 127.0.0.1] [serve's HTTP flags]   the web board (and MCP at /mcp);
                 prints a one-time login link first on stdout
  codexmcp ui --login-url                                      a new login link for each running server
  codexmcp ls [--json] [--active] [--limit N] [--cwd DIR]     tasks, newest first
  codexmcp show <task> [--json]                                one task: result, audit, worktree
  codexmcp logs <task> [-f] [--lines N]                        the transcript (-f follows it)
  codexmcp attach <task|topic>                                 watch a full-access task in tmux
  codexmcp cancel <task> [--json] [--abandon]                  stop a task and all it started
  codexmcp watch [--interval S] [--once] [--no-bell]           live view of all tasks; keys to act on them
  codexmcp dispatch --topic T --sandbox S [--cwd DIR] [--prompt-file F | < prompt]  start a task
  codexmcp reply <task> [--prompt-file F | < prompt]            continue a task's conversation
  codexmcp diff <task> [--path P] [--max_bytes N]              a task's changes, with per-file stats
  codexmcp merge <task> --strategy merge|squash|rebase         bring its branch in
  codexmcp cleanup [<task> | --all_finished] [--force]         remove worktrees, keeping any work
  codexmcp events <task> [--cursor N|tail] [--view normalized] a page of a task's events
  codexmcp wait [<task>...] [--cursor C] [--timeout_seconds S] block until a task ends
                   (these seven take the MCP tool's fields as flags, and --json; <command> --help)
  codexmcp usage [--since WHEN | --days N] [--repo DIR] [--json]  tokens and cost per day, repository, task
  codexmcp install <client> [--scope user|project] [--name codex] [--dry-run] [--no-client-cli]
                   [--tool-timeout S] [--env NAME=VALUE]... [--approve-tools (codex)]
                   [--transport http [--url URL] [--token-env VAR]]  (a running HTTP server, with its token)
  codexmcp uninstall <client> [--scope user|project] [--name codex] [--dry-run] [--no-client-cli]
                   clients: claude-code, codex, cursor, claude-desktop, gemini
  codexmcp trust [path] [--json]                               trust a repository's .codexmcp.yaml as it is now
  codexmcp trust --list | --revoke [path]                      what is trusted; forget a file
  codexmcp hosts [--json]                                      remote hosts: reachable, version, load, tasks
  codexmcp doctor [--e2e] [--json]                             check this machine (--e2e: a real run)
  codexmcp doctor --client <client> [--scope S] [--name N]     … as that client starts the server
  codexmcp --version | --help

settings (any command; flags > environment > $CODEXMCP_HOME/config.yaml > defaults):
${SETTING_FLAGS.map((f) => `  --${f.flag}${f.boolean ? "" : " VALUE"}`.padEnd(34) + f.env).join("\n")}

exit codes: 0 success, 1 failure (or doctor found a problem), 2 wrong usage.
`;

const COMMON = { ...settingOptions(), help: { type: "boolean", short: "h" } } as const;

function parse<T extends Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>>(
  argv: readonly string[],
  options: T,
) {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...COMMON, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
}

class UsageError extends Error {}

function int(name: string, value: unknown, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} takes a whole number >= ${min} (got ${String(value)})`);
  return n;
}

function one(positionals: readonly string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  return positionals[0] as string;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-V") {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const command = first === undefined || first.startsWith("-") ? "serve" : first;
  const args = first === undefined || first.startsWith("-") ? argv : rest;
  try {
    switch (command) {
      case "serve":
      case "ui": {
        const board = command === "ui";
        const { values, positionals } = parse(args, {
          transport: { type: "string" },
          host: { type: "string" },
          port: { type: "string" },
          "token-env": { type: "string" },
          "no-auth": { type: "boolean" },
          socket: { type: "string" },
          "max-sessions": { type: "string" },
          "max-sessions-per-client": { type: "string" },
          "session-idle": { type: "string" },
          "allowed-host": { type: "string", multiple: true },
          "allowed-origin": { type: "string", multiple: true },
          debug: { type: "boolean" },
          ...(board ? { "login-url": { type: "boolean" } } : {}),
        });
        if (values.help) return help();
        if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
        const transport = board ? "http" : (values.transport ?? "stdio");
        if (transport !== "stdio" && transport !== "http")
          throw new UsageError('--transport is "stdio" or "http"');
        if (board && (values.transport !== undefined || values.socket !== undefined))
          throw new UsageError(
            "codexmcp ui serves HTTP on a port; --transport and --socket are for codexmcp serve",
          );
        const settings = await loadSettings(process.env, settingOverrides(values));
        if (board && values["login-url"]) {
          const { printLoginUrls } = await import("./commands/ui.js");
          return await printLoginUrls(settings);
        }
        // Each command loads only what it needs: a stdio server starting up must not pay for
        // the HTTP transport, the MCP client of doctor or the config editors of install.
        const { serve } = await import("./commands/serve.js");
        return await serve(settings, {
          transport,
          host: values.host ?? "127.0.0.1",
          port: int("port", values.port ?? (board ? "8766" : "8765")) ?? 8765,
          ...(board ? { board: { announce: true, anyPort: values.port === undefined } } : {}),
          tokenEnv: values["token-env"],
          noAuth: values["no-auth"] === true,
          socket: values.socket === undefined ? undefined : path.resolve(values.socket),
          maxSessions: int("max-sessions", values["max-sessions"], 1),
          maxSessionsPerClient: int("max-sessions-per-client", values["max-sessions-per-client"], 1),
          sessionIdleSeconds: int("session-idle", values["session-idle"], 1),
          debug: values.debug === true,
          allowedHosts: values["allowed-host"] ?? [],
          allowedOrigins: values["allowed-origin"] ?? [],
        });
      }
      case "ls": {
        const { values, positionals } = parse(args, {
          json: { type: "boolean" },
          active: { type: "boolean" },
          limit: { type: "string" },
          cwd: { type: "string" },
        });
        if (values.help) return help();
        if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
        const ctx = await cliContext(settingOverrides(values));
        const { ls } = await import("./commands/tasks.js");
        return await ls(ctx, {
          json: values.json === true,
          active: values.active === true,
          limit: int("limit", values.limit, 1),
          cwd: values.cwd,
        });
      }
      case "show":
      case "cancel": {
        const { values, positionals } = parse(args, {
          json: { type: "boolean" },
          ...(command === "cancel" ? { abandon: { type: "boolean" } } : {}),
        });
        if (values.help) return help();
        const ctx = await cliContext(settingOverrides(values));
        const task = one(positionals, "task id");
        const { cancel, show } = await import("./commands/tasks.js");
        return command === "show"
          ? await show(ctx, task, { json: values.json === true })
          : await cancel(ctx, task, {
              json: values.json === true,
              abandon: (values as { abandon?: boolean }).abandon === true,
            });
      }
      case "logs": {
        const { values, positionals } = parse(args, {
          follow: { type: "boolean", short: "f" },
          lines: { type: "string", short: "n" },
        });
        if (values.help) return help();
        const ctx = await cliContext(settingOverrides(values));
        const { logs } = await import("./commands/tasks.js");
        return await logs(ctx, one(positionals, "task id"), {
          follow: values.follow === true,
          lines: int("lines", values.lines, 1),
        });
      }
      case "attach": {
        const { values, positionals } = parse(args, {});
        if (values.help) return help();
        const ctx = await cliContext(settingOverrides(values));
        const { attach } = await import("./commands/tasks.js");
        return await attach(ctx, one(positionals, "task id or topic"));
      }
      case "watch": {
        const { values, positionals } = parse(args, {
          interval: { type: "string" },
          once: { type: "boolean" },
          "no-bell": { type: "boolean" },
        });
        if (values.help) return help();
        if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
        const ctx = await cliContext(settingOverrides(values));
        const seconds = values.interval === undefined ? 1 : Number(values.interval);
        if (!(seconds > 0)) throw new UsageError("--interval takes a number of seconds > 0");
        const { watch } = await import("./commands/watch.js");
        return await watch(ctx, {
          intervalMs: seconds * 1000,
          once: values.once === true,
          ...(values["no-bell"] ? { bell: false } : {}),
        });
      }
      case "install":
      case "uninstall": {
        const { values, positionals } = parse(args, {
          scope: { type: "string" },
          name: { type: "string" },
          "dry-run": { type: "boolean" },
          "no-client-cli": { type: "boolean" },
          "tool-timeout": { type: "string" },
          env: { type: "string", multiple: true },
          transport: { type: "string" },
          url: { type: "string" },
          "token-env": { type: "string" },
          "approve-tools": { type: "boolean" },
        });
        if (values.help) return help();
        const ctx = await cliContext(settingOverrides(values));
        const { install } = await import("./commands/install.js");
        return await install(ctx, command, {
          client: positionals[0],
          scope: values.scope ?? "user",
          name: values.name ?? "codex",
          dryRun: values["dry-run"] === true,
          useClientCli: values["no-client-cli"] !== true,
          toolTimeoutSeconds: int("tool-timeout", values["tool-timeout"], 1),
          env: values.env ?? [],
          transport: values.transport ?? "stdio",
          url: values.url,
          tokenEnv: values["token-env"],
          approveTools: values["approve-tools"] === true,
        });
      }
      case "trust": {
        const { values, positionals } = parse(args, {
          list: { type: "boolean" },
          revoke: { type: "boolean" },
          json: { type: "boolean" },
        });
        if (values.help) return help();
        if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}`);
        if (values.list && (values.revoke || positionals.length > 0))
          throw new UsageError("--list takes no path and no --revoke");
        const settings = await loadSettings(process.env, settingOverrides(values));
        const [{ trust }, { colorEnabled, paint }] = await Promise.all([
          import("./commands/trust.js"),
          import("./style.js"),
        ]);
        return await trust(
          { settings, out: process.stdout, p: paint(colorEnabled(process.stdout)), cwd: process.cwd() },
          {
            target: positionals[0],
            list: values.list === true,
            revoke: values.revoke === true,
            json: values.json === true,
          },
        );
      }
      case "doctor": {
        const { values, positionals } = parse(args, {
          e2e: { type: "boolean" },
          json: { type: "boolean" },
          client: { type: "string" },
          scope: { type: "string" },
          name: { type: "string" },
        });
        if (values.help) return help();
        if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
        const { doctor } = await import("./commands/doctor.js");
        return await doctor(settingOverrides(values), {
          e2e: values.e2e === true,
          json: values.json === true,
          client: values.client,
          scope: values.scope ?? "user",
          name: values.name ?? "codex",
        });
      }
      case "usage": {
        const { usageCommand } = await import("./commands/usage.js");
        return await usageCommand(args);
      }
      case "dispatch":
      case "reply":
      case "diff":
      case "merge":
      case "cleanup":
      case "events":
      case "wait": {
        const { runAction } = await import("./actions/run.js");
        return await runAction(command, args);
      }
      case "hosts": {
        const { values, positionals } = parse(args, { json: { type: "boolean" } });
        if (values.help) return help();
        if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
        const { hosts } = await import("./commands/hosts.js");
        return await hosts(settingOverrides(values), { json: values.json === true });
      }
      case "remote": {
        // What another machine's codexmcp runs here over ssh (requests on stdin).
        const { values, positionals } = parse(args, {});
        const { remote } = await import("./commands/remote.js");
        return await remote(settingOverrides(values), one(positionals, "remote verb"));
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`codexmcp: ${err.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    throw err;
  }
}

function help(): number {
  process.stdout.write(USAGE);
  return EXIT.ok;
}

export function run(argv: readonly string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`codexmcp: ${err instanceof UserError ? err.message : errorMessage(err)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
