import { UserError } from "../../util/errors.js";
import { clientLabel, configFile } from "./clients.js";
import { readConfigFile } from "./fsops.js";
import { readJsonEntry } from "./json-edit.js";
import { readTomlEntry } from "./toml-edit.js";
import type { InstallOptions } from "./types.js";
import { isRecord } from "./values.js";

/** A server as a client's configuration registers it: what the client will start. */
export interface Registration {
  readonly file: string;
  readonly command: string;
  readonly args: string[];
  readonly env: Record<string, string>;
}

/**
 * Reads the `name` entry back from the client's configuration (the file `install` edits, also
 * when the client's own CLI wrote it). A missing or unusable entry is a UserError saying how to
 * register it.
 */
export async function readRegistration(
  opts: Pick<InstallOptions, "client" | "scope" | "name" | "home" | "cwd" | "platform">,
): Promise<Registration> {
  const file = configFile({ ...opts, command: "", args: [], dryRun: true });
  const { text } = await readConfigFile(file);
  const entry = file.endsWith(".toml")
    ? readTomlEntry(file, text, opts.name)
    : readJsonEntry(file, text, opts.name);
  const again = `codexmcp install ${opts.client}${opts.scope === "project" ? " --scope project" : ""}${opts.name === "codex" ? "" : ` --name ${opts.name}`}`;
  if (entry === undefined)
    throw new UserError(
      `${clientLabel(opts.client)} has no "${opts.name}" server in ${file}; register it with: ${again}`,
    );
  if (!isRecord(entry) || typeof entry.command !== "string" || entry.command === "")
    throw new UserError(
      `The "${opts.name}" entry in ${file} has no command (a URL server is not this installation); register it again with: ${again}`,
    );
  const env: Record<string, string> = {};
  if (isRecord(entry.env)) for (const [k, v] of Object.entries(entry.env)) env[k] = String(v);
  return {
    file,
    command: entry.command,
    args: Array.isArray(entry.args) ? entry.args.map(String) : [],
    env,
  };
}
