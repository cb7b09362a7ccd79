import { existsSync } from "node:fs";
import os from "node:os";
import { execa } from "execa";
import type { AgentDriver } from "../../agents/agent.js";
import { loadDriver } from "../../agents/registry.js";
import type { Settings } from "../../config/settings.js";
import { AGENT_COMMANDS, AGENT_NAMES, type AgentName, agentBinEnvVar } from "../../core/agent-names.js";
import { which } from "../../util/which.js";
import type { Check, CheckSink } from "./types.js";

/** An agent CLI as the server would find it: its configured name or path, resolved on PATH. */
export interface AgentLookup {
  readonly name: AgentName;
  readonly configured: string;
  /** The executable, or undefined when it is not there. */
  readonly bin: string | undefined;
}

/** Each agent's binary, looked up exactly as the server does (settings.agentBins, then PATH). */
export function lookUpAgents(settings: Settings, env: NodeJS.ProcessEnv): AgentLookup[] {
  return AGENT_NAMES.map((name) => {
    const configured = settings.agentBins[name];
    return { name, configured, bin: which(configured, env) };
  });
}

/** Agent CLIs are slow to start (Node bundles of 100 MB; several start at once here). */
const VERSION_TIMEOUT_MS = 60_000;

/** The first line `<bin> --version` prints, or why there is none. */
export async function versionOf(
  bin: string,
  env: NodeJS.ProcessEnv,
  args: readonly string[] = ["--version"],
): Promise<{ line: string } | { error: string }> {
  const r = await execa(bin, [...args], {
    env,
    reject: false,
    stdin: "ignore",
    timeout: VERSION_TIMEOUT_MS,
  });
  const what = `\`${args.join(" ")}\``;
  if (r.timedOut) return { error: `${what} did not answer in ${VERSION_TIMEOUT_MS / 1000} s` };
  const line = String(r.stdout).trim().split("\n")[0];
  if (r.exitCode === 0 && line) return { line };
  const said = String(r.stderr).trim().split("\n").slice(-1)[0];
  return { error: `${what} exited with ${r.exitCode ?? r.signal}${said ? `: ${said}` : ""}` };
}

function howToInstall(driver: AgentDriver): string {
  const set = `set ${agentBinEnvVar(driver.name)} (or agents.${driver.name}.bin in config.yaml) to its path`;
  return driver.npmPackage
    ? `npm install -g ${driver.npmPackage}, or ${set}`
    : `install ${driver.label}, or ${set}`;
}

/** What of the CLI's credentials is there (names only, never a value). */
function credentials(
  driver: AgentDriver,
  env: NodeJS.ProcessEnv,
): { found: string[]; looked: string[] } | undefined {
  const sources = driver.credentialSources?.(env);
  if (!sources) return undefined;
  const found = [
    ...sources.vars.filter((v) => (env[v] ?? "").trim() !== "").map((v) => `${v} set`),
    ...sources.files.filter((f) => existsSync(f)),
  ];
  return { found, looked: [...sources.vars, ...sources.files] };
}

async function agentCheck(agent: AgentLookup, isDefault: boolean, env: NodeJS.ProcessEnv): Promise<Check> {
  const driver = await loadDriver(agent.name);
  const name = `agent ${agent.name}`;
  const role = isDefault ? "the default agent" : "not the default agent";
  if (!agent.bin) {
    const where =
      agent.configured === AGENT_COMMANDS[agent.name]
        ? `"${agent.configured}" not on PATH`
        : `"${agent.configured}" not found`;
    return isDefault
      ? {
          name,
          status: "fail",
          detail: `${driver.label}: ${where}; it is ${role}`,
          fix: howToInstall(driver),
        }
      : { name, status: "info", detail: `${driver.label}: not installed (${where}; ${role})` };
  }
  const v = await versionOf(agent.bin, env);
  if ("error" in v)
    return {
      name,
      status: isDefault ? "fail" : "warn",
      detail: `${agent.bin}: ${v.error}; tasks with agent "${agent.name}" would likely fail`,
      fix: howToInstall(driver),
    };
  const head = `${agent.bin}: ${v.line}`;
  const creds = credentials(driver, env);
  // Codex's credentials are checked by `codex login` (its login status and its provider's key).
  if (!creds) return { name, status: "ok", detail: `${head}; credentials: see codex login` };
  if (creds.found.length > 0)
    return { name, status: "ok", detail: `${head}; credentials: ${creds.found.join(", ")}` };
  const sources = driver.credentialSources?.(env);
  const unseen = sources?.unseen ? `; ${sources.unseen} cannot be checked from here` : "";
  return {
    name,
    // Only the default agent must be able to run; and a login doctor cannot see is not proof of none.
    status: isDefault && !sources?.unseen ? "fail" : "warn",
    detail: `${head}; credentials: none found (looked for ${creds.looked.join(", ")}${unseen})`,
    fix: sources?.howTo ?? howToInstall(driver),
  };
}

/**
 * One line per agent: found or not, its version, its credentials. Only the default agent's
 * absence is a failure; the others are there for tasks that name them.
 */
export async function agentChecks(
  settings: Settings,
  env: NodeJS.ProcessEnv,
  emit: CheckSink,
): Promise<void> {
  const agents = lookUpAgents(settings, env);
  // As many at once as there are cores (each `--version` starts a large CLI; more would only
  // make each slower), reported in a fixed order as soon as each and those before it are known.
  const pending: Promise<Check>[] = [];
  const width = Math.max(1, os.availableParallelism());
  for (const [i, agent] of agents.entries()) {
    const before = (pending[i - width] ?? Promise.resolve(undefined)).catch(() => undefined);
    pending.push(before.then(() => agentCheck(agent, agent.name === settings.defaultAgent, env)));
  }
  for (const check of pending) emit(await check);
}
