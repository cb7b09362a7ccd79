import { AGENT_NAMES, type AgentName, isAgentName } from "../core/agent-names.js";
import { UserError } from "../util/errors.js";
import type { AgentDriver } from "./agent.js";

/**
 * Drivers load on demand: a runner needs only its own agent's, and start-up time is paid by
 * every task.
 */
const loaders: Record<AgentName, () => Promise<AgentDriver>> = {
  codex: async () => (await import("./codex/driver.js")).codexDriver,
  claude: async () => (await import("./claude/driver.js")).claudeDriver,
  gemini: async () => (await import("./gemini/driver.js")).geminiDriver,
  opencode: async () => (await import("./opencode/driver.js")).opencodeDriver,
  copilot: async () => (await import("./copilot/driver.js")).copilotDriver,
  qwen: async () => (await import("./qwen/driver.js")).qwenDriver,
  cursor: async () => (await import("./cursor/driver.js")).cursorDriver,
};

const cache = new Map<AgentName, AgentDriver>();

/** The driver of `name`; an unknown name is a UserError that lists the known agents. */
export async function loadDriver(name: string): Promise<AgentDriver> {
  if (!isAgentName(name))
    throw new UserError(`Unknown agent "${name}"; use one of ${AGENT_NAMES.join(", ")}.`);
  const cached = cache.get(name);
  if (cached) return cached;
  const driver = await loaders[name]();
  cache.set(name, driver);
  return driver;
}
