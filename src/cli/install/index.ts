import { promises as fsp } from "node:fs";
import path from "node:path";
import { UserError } from "../../util/errors.js";
import { PRIVATE_DIR_MODE } from "../../util/files.js";
import { which } from "../../util/which.js";
import { claudeAddArgv, claudeRemoveArgv, runClaude } from "./claude-cli.js";
import { type ClientSpec, clientSpec } from "./clients.js";
import { shellQuote, unifiedDiff } from "./diff.js";
import { ConcurrentChange, readConfigFile, replaceConfigFile, writeBackup } from "./fsops.js";
import { planJsonEdit, readJsonEntry } from "./json-edit.js";
import { planTomlEdit } from "./toml-edit.js";
import {
  type Action,
  CLIENT_NAMES,
  type ClientName,
  type InstallOptions,
  type InstallReport,
} from "./types.js";
import { isRecord } from "./values.js";

export { claudeDesktopConfigDir, clientLabel, configFile } from "./clients.js";
export type { ClientName, InstallOptions, InstallReport } from "./types.js";
export { CLIENT_NAMES, DEFAULT_TOOL_TIMEOUT_SECONDS } from "./types.js";

/** Register the codexmcp server with an MCP client (idempotent). */
export function installClient(opts: InstallOptions): Promise<InstallReport> {
  return run("install", opts);
}

/** Remove the server entry `opts.name` from an MCP client's config (idempotent). */
export function uninstallClient(opts: InstallOptions): Promise<InstallReport> {
  return run("uninstall", opts);
}

export function isClientName(value: string): value is ClientName {
  return (CLIENT_NAMES as readonly string[]).includes(value);
}

/** Names all five clients accept (Codex allows only these characters in `mcp_servers` keys). */
const SERVER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function validate(opts: InstallOptions): void {
  if (!isClientName(opts.client)) {
    throw new UserError(`Unknown client "${opts.client}"; use one of: ${CLIENT_NAMES.join(", ")}.`);
  }
  if (opts.scope !== "user" && opts.scope !== "project") {
    throw new UserError(`Unknown scope "${String(opts.scope)}"; use user or project.`);
  }
  if (!SERVER_NAME.test(opts.name)) {
    throw new UserError(
      `Invalid server name "${opts.name}": use 1-64 letters, digits, "-" or "_" (for example --name codex).`,
    );
  }
  if (opts.command === "") throw new UserError("The server command is empty.");
  if (opts.http && opts.scope === "project") {
    throw new UserError(
      "--transport http writes codexmcp's bearer token into the client's config, and a project's config is shared (often committed); use --scope user.",
    );
  }
  for (const key of Object.keys(opts.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new UserError(`Invalid environment variable name "${key}": use letters, digits and "_".`);
    }
  }
}

async function run(action: Action, opts: InstallOptions): Promise<InstallReport> {
  validate(opts);
  const spec = clientSpec(opts);
  // The claude CLI would take the token in argv, where `ps` shows it: edit the file instead.
  if (opts.client === "claude-code" && opts.useClientCli !== false && !opts.http) {
    const claude = which("claude", { PATH: opts.pathEnv ?? process.env.PATH ?? "" });
    if (claude !== undefined) return viaClaudeCli(action, opts, spec, claude);
  }
  return viaFile(action, opts, spec);
}

function nothingToDo(action: Action, opts: InstallOptions, spec: ClientSpec): string {
  return action === "install"
    ? `${spec.label} already has the "${opts.name}" server as requested in ${spec.file}; nothing to do.`
    : `${spec.label} has no "${opts.name}" server in ${spec.file}; nothing to do.`;
}

/** Names what an install replaced: command and args only (env may hold secrets). */
function previousNote(action: Action, opts: InstallOptions, previous: unknown): string[] {
  if (action !== "install" || previous === undefined) return [];
  const argv =
    isRecord(previous) && typeof previous.command === "string"
      ? shellQuote([previous.command, ...(Array.isArray(previous.args) ? previous.args.map(String) : [])])
      : JSON.stringify(previous);
  return [`Replaced the existing "${opts.name}" entry, which ran: ${argv}`];
}

const ATTEMPTS = 5;

async function viaFile(action: Action, opts: InstallOptions, spec: ClientSpec): Promise<InstallReport> {
  for (let attempt = 1; ; attempt++) {
    const state = await readConfigFile(spec.file);
    if (action === "uninstall" && state.text === undefined) {
      return report(action, opts, "file", spec, false, "", [nothingToDo(action, opts, spec)], {});
    }
    const desired = action === "install" ? spec.entry : undefined;
    const plan =
      spec.format === "toml"
        ? planTomlEdit(spec.file, state.text, opts.name, desired, spec.matches)
        : planJsonEdit(spec.file, state.text, opts.name, desired, spec.matches);
    if (!plan.changed) {
      return report(action, opts, "file", spec, false, "", [nothingToDo(action, opts, spec)], {});
    }
    const diff = unifiedDiff(spec.file, state.text, plan.text);
    const notes = [...previousNote(action, opts, plan.previous), ...spec.notes(action)];
    if (opts.dryRun) return report(action, opts, "file", spec, true, diff, notes, {});

    const backup = state.text === undefined ? undefined : await writeBackup(state, state.text);
    try {
      // Directories we create under a project are ordinary ones (the config is meant to be shared).
      const inProject = opts.scope === "project";
      await replaceConfigFile(state, state.text, plan.text, inProject ? 0o755 : PRIVATE_DIR_MODE);
    } catch (err) {
      if (backup !== undefined) await fsp.rm(backup, { force: true });
      // The client may rewrite its own config at any moment (Claude Code does); start over.
      if (err instanceof ConcurrentChange && attempt < ATTEMPTS) continue;
      if (err instanceof ConcurrentChange) {
        throw new UserError(
          `${spec.file} kept changing while codexmcp edited it; close ${spec.label} and try again.`,
        );
      }
      throw err;
    }
    if (opts.http && action === "install") {
      // It now holds a credential that runs code as the user.
      await fsp.chmod(spec.file, 0o600);
      if (backup !== undefined) await fsp.chmod(backup, 0o600);
      notes.push(`${spec.file} holds codexmcp's bearer token now; it was made readable by you only (0600).`);
    }
    if (backup !== undefined) notes.push(`The previous ${path.basename(spec.file)} was saved as ${backup}.`);
    return report(action, opts, "file", spec, true, diff, notes, backup === undefined ? {} : { backup });
  }
}

async function viaClaudeCli(
  action: Action,
  opts: InstallOptions,
  spec: ClientSpec,
  claude: string,
): Promise<InstallReport> {
  // The CLI rewrites the whole file; read it first so that an install that is already in place,
  // or an uninstall of nothing, runs no command at all.
  const read = async () => readJsonEntry(spec.file, (await readConfigFile(spec.file)).text, opts.name);
  const previous = await read();
  const commands: string[][] = [];
  if (action === "install") {
    if (previous !== undefined && spec.matches(previous)) {
      return report(action, opts, "cli", spec, false, "", [nothingToDo(action, opts, spec)], { commands });
    }
    // `claude mcp add` refuses a name that exists: remove the old entry first.
    if (previous !== undefined) commands.push(claudeRemoveArgv(opts));
    commands.push(claudeAddArgv(opts));
  } else {
    if (previous === undefined) {
      return report(action, opts, "cli", spec, false, "", [nothingToDo(action, opts, spec)], { commands });
    }
    commands.push(claudeRemoveArgv(opts));
  }
  const diff = `${commands.map((argv) => `$ ${shellQuote(argv)}`).join("\n")}\n`;
  const notes = [...previousNote(action, opts, previous), ...spec.notes(action)];
  if (opts.dryRun) return report(action, opts, "cli", spec, true, diff, notes, { commands });
  for (const argv of commands) await runClaude(claude, argv, opts);
  const now = await read();
  const ok = action === "install" ? now !== undefined && spec.matches(now) : now === undefined;
  if (!ok) {
    throw new Error(
      `\`${shellQuote(commands[commands.length - 1] ?? [])}\` succeeded but ${spec.file} does not show the expected result`,
    );
  }
  return report(action, opts, "cli", spec, true, diff, notes, { commands });
}

function report(
  action: Action,
  opts: InstallOptions,
  method: "cli" | "file",
  spec: ClientSpec,
  changed: boolean,
  diff: string,
  notes: readonly string[],
  extra: { backup?: string; commands?: readonly string[][] },
): InstallReport {
  return {
    client: opts.client,
    action,
    method,
    ...(method === "file" ? { file: spec.file } : {}),
    ...extra,
    changed,
    diff,
    notes,
  };
}
