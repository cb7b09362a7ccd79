/** The agent CLIs codexmcp can run. Each has a driver under src/agents/<name>/. */
export const AGENT_NAMES = ["codex", "claude", "gemini", "opencode", "copilot", "qwen", "cursor"] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

export function isAgentName(value: string): value is AgentName {
  return (AGENT_NAMES as readonly string[]).includes(value);
}

/** The executable each agent is found as on PATH when nothing else names it. */
export const AGENT_COMMANDS: Readonly<Record<AgentName, string>> = {
  codex: "codex",
  claude: "claude",
  gemini: "gemini",
  opencode: "opencode",
  copilot: "copilot",
  qwen: "qwen",
  cursor: "cursor-agent",
};

/** CODEXMCP_CLAUDE_BIN and so on: the variable that names an agent's binary. */
export function agentBinEnvVar(name: AgentName): string {
  return `CODEXMCP_${name.toUpperCase()}_BIN`;
}
