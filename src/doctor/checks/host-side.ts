import type { Settings } from "../../config/settings.js";
import { isAgentName } from "../../core/agent-names.js";
import type { DoctorReply, DoctorRequest, ProgramReport } from "../../hosts/ssh/protocol.js";
import { which } from "../../util/which.js";
import { versionOf } from "./agents.js";

/**
 * `codexmcp remote doctor` on a host: its tmux, git and agent CLIs, looked up as its own
 * dispatch looks them up, in the environment an ssh command gets there (the one its tasks get).
 */
export async function hostSideReport(
  settings: Settings,
  env: NodeJS.ProcessEnv,
  req: Partial<DoctorRequest>,
): Promise<DoctorReply> {
  const program = async (lookedFor: string, args: string[]): Promise<ProgramReport> => {
    const found = which(lookedFor, env);
    if (!found) return { looked_for: lookedFor, path: null, version: null, error: null };
    const v = await versionOf(found, env, args);
    return "line" in v
      ? { looked_for: lookedFor, path: found, version: v.line, error: null }
      : { looked_for: lookedFor, path: found, version: null, error: v.error };
  };
  const asked = Array.isArray(req.agents) ? req.agents.filter((a) => typeof a === "string") : [];
  const names = [...new Set([settings.defaultAgent, ...asked])].filter(isAgentName);
  const [tmux, git, ...agents] = await Promise.all([
    program(settings.tmuxBin, ["-V"]),
    program("git", ["--version"]),
    ...names.map((n) => program(settings.agentBins[n], ["--version"])),
  ]);
  return {
    path_env: env.PATH ?? "",
    default_agent: settings.defaultAgent,
    tmux: tmux as ProgramReport,
    git: git as ProgramReport,
    agents: Object.fromEntries(names.map((n, i) => [n, agents[i] as ProgramReport])),
  };
}
