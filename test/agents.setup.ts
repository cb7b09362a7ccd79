import { installAgents } from "./helpers/agents.js";

/**
 * vitest globalSetup: installs every pinned agent CLI once before the workers start (a no-op when
 * the cache has them), so no test pays an install inside its own timeout.
 */
export default async function setup(): Promise<void> {
  const installed = await installAgents();
  const fresh = installed.filter((a) => a.fresh);
  if (fresh.length > 0)
    console.warn(`agent CLIs installed: ${fresh.map((a) => `${a.name}@${a.version}`).join(", ")}`);
}
