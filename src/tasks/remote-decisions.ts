import { readRepoConfig, resolveRepoConfig } from "../config/repo-config.js";
import type { HostConfig } from "../config/schema.js";
import { TrustStore } from "../config/trust.js";
import type { DispatchContext, TaskRequest } from "./request.js";

/**
 * What is decided here, where the person is, before anything is made or sent. Trust: a
 * `.codexmcp.yaml` whose code-running keys are not trusted as it is refuses the task (the advice
 * is this machine's `codexmcp trust`); a trusted one is vouched for by its hash, which the host
 * checks against the file that arrives. The agent: the one a task here would run (the request's,
 * the trusted repository's, this server's default), never the host's own default.
 */
export async function repoDecisions(
  settings: DispatchContext["settings"],
  request: TaskRequest,
  top: string,
  host: HostConfig,
): Promise<{ vouched: string | undefined; agent: string }> {
  const file = await readRepoConfig(top);
  if (!file) return { vouched: undefined, agent: request.agent ?? settings.defaultAgent };
  const trust = await new TrustStore(settings.home).state(file.file, file.sha256);
  const config = resolveRepoConfig({
    defaults: settings.repoDefaults,
    repo: file,
    trust,
    write: true,
    requested: { profile: request.profile, agent: request.agent },
    allowedEnv: settings.allowRepoEnv,
    home: settings.home,
    what: `this ${request.sandbox} task on host "${host.name}"`,
  });
  return {
    vouched: trust.kind === "trusted" ? file.sha256 : undefined,
    agent: request.agent ?? config.agent ?? settings.defaultAgent,
  };
}
