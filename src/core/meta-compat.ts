import type { TaskMeta } from "./types.js";

/** meta.json as written before agents were a seam (every task was a Codex task). */
interface CodexEraMeta {
  agent?: string;
  agent_mode?: string;
  agent_bin?: string;
  agent_args?: readonly string[];
  agent_input?: string;
  codex_sandbox?: string;
  codex_bin?: string;
  codex_args?: readonly string[];
  codex_input?: string;
}

/**
 * Tasks already on disk keep working: a meta.json from before the agent seam names its Codex
 * fields `codex_*` and has no `agent`. Read them as a Codex task's agent fields.
 */
export function upgradeMeta(raw: TaskMeta): TaskMeta {
  const old = raw as unknown as CodexEraMeta;
  if (old.agent !== undefined && old.agent_bin !== undefined) return raw;
  const upgraded: CodexEraMeta = {
    ...old,
    agent: old.agent ?? "codex",
    agent_mode: old.agent_mode ?? old.codex_sandbox ?? "",
    agent_bin: old.agent_bin ?? old.codex_bin ?? "codex",
    agent_args: old.agent_args ?? old.codex_args ?? [],
  };
  const input = old.agent_input ?? old.codex_input;
  if (input !== undefined) upgraded.agent_input = input;
  delete upgraded.codex_sandbox;
  delete upgraded.codex_bin;
  delete upgraded.codex_args;
  delete upgraded.codex_input;
  return upgraded as unknown as TaskMeta;
}
