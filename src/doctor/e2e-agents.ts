import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { loadDriver } from "../agents/registry.js";
import { AGENT_NAMES, type AgentName } from "../core/agent-names.js";
import { SCRIPTED_AGENTS, type ScriptedAgent } from "../e2e/agent-homes.js";
import type { ScriptedModel } from "../e2e/scripted-model.js";

/** Whether the agent can run against the scripted model (Cursor cannot: its models run only in Cursor's backend). */
export function scriptable(name: AgentName): name is ScriptedAgent {
  return (SCRIPTED_AGENTS as readonly string[]).includes(name);
}

/**
 * The server's environment without any agent's credentials or endpoints: the scratch run must
 * never reach a real account (CLAUDE_CODE_USE_BEDROCK or a real key would win over the scripted
 * model's settings otherwise).
 */
export async function withoutCredentials(env: Record<string, string>): Promise<Record<string, string>> {
  const out = { ...env };
  for (const name of AGENT_NAMES) {
    const sources = (await loadDriver(name)).credentialSources?.(env);
    for (const v of sources?.vars ?? []) delete out[v];
  }
  for (const v of [
    "OPENAI_API_KEY",
    "CODEX_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "GOOGLE_GEMINI_BASE_URL",
  ])
    delete out[v];
  return out;
}

/** One tool call; an isError answer throws with its text. */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const r = (await client.callTool({ name, arguments: args }, undefined, {
    timeout: 120_000,
    resetTimeoutOnProgress: true,
  })) as CallToolResult;
  const text = r.content.map((c) => (c.type === "text" ? c.text : "")).join(" ");
  if (r.isError) throw new Error(`${name}: ${text}`);
  return (r.structuredContent ?? {}) as Record<string, unknown>;
}

/** Agent CLIs are slow to start on a loaded machine (a minute a turn is seen); none needs five. */
const ROUND_TRIP_MS = 5 * 60_000;

/** One agent through the server: a full-access task that runs a command, commits and answers. */
export async function roundTrip(
  client: Client,
  model: ScriptedModel,
  repo: string,
  agent: AgentName,
): Promise<string> {
  const answer = `Round trip of ${agent} done.`;
  model.script(`roundtrip-${agent}`, [
    { sh: `echo ${agent} > ${agent}.txt && git add ${agent}.txt && git commit -qm 'round trip ${agent}'` },
    { say: answer },
  ]);
  const d = await call(client, "codex_dispatch", {
    agent,
    prompt: `Write a file and commit it [[script:roundtrip-${agent}]]`,
    cwd: repo,
    topic: `implement-doctor_${agent}-v1`,
    sandbox: "full-access",
  });
  let cursor = String(d.cursor);
  const deadline = Date.now() + ROUND_TRIP_MS;
  while (Date.now() < deadline) {
    const w = await call(client, "codex_wait", { task_ids: [d.task_id], cursor, timeout_seconds: 120 });
    if (w.status === "timeout") {
      cursor = String(w.cursor);
      continue;
    }
    const task = (w.task ?? {}) as Record<string, unknown>;
    if (w.status !== "completed")
      throw new Error(`ended ${String(w.status)}: ${String(task.error ?? w.hint)}`);
    if (task.result !== answer || task.commits_ahead !== 1 || typeof task.session_id !== "string")
      throw new Error(
        `completed, but the result reads wrong (answer ${JSON.stringify(task.result)}, ${String(task.commits_ahead)} commit(s) ahead, session ${String(task.session_id)})`,
      );
    return `session ${task.session_id.slice(0, 13)}…, a command run and committed, the answer read`;
  }
  await call(client, "codex_cancel", { task_id: d.task_id }).catch(() => undefined);
  throw new Error(`still running after ${ROUND_TRIP_MS / 60_000} minutes (cancelled)`);
}
