import { loadSettings, type Settings } from "../config/settings.js";
import { errorMessage } from "../util/errors.js";
import { agentChecks } from "./checks/agents.js";
import { codexChecks } from "./checks/codex.js";
import { codexAuthChecks } from "./checks/codex-auth.js";
import { hostChecks } from "./checks/hosts.js";
import { securityChecks } from "./checks/security.js";
import { stateChecks } from "./checks/state.js";
import { gitCheck, nodeCheck, tmuxCheck } from "./checks/system.js";
import type { Check, CheckSink } from "./checks/types.js";

export type { Check, CheckSink } from "./checks/types.js";

/**
 * Everything `codexmcp doctor` checks, in order, each reported to `onCheck` as soon as it is known
 * (a first run takes tens of seconds); a failure of one does not stop the others. `env` is the
 * environment the server has (or, with --client, the one the registered client gives it).
 */
export async function runChecks(
  env: NodeJS.ProcessEnv,
  overrides: Parameters<typeof loadSettings>[1],
  onCheck: CheckSink = () => undefined,
): Promise<Check[]> {
  const checks: Check[] = [];
  const emit: CheckSink = (check) => {
    checks.push(check);
    onCheck(check);
  };
  emit(nodeCheck());
  let settings: Settings;
  try {
    settings = await loadSettings(env, overrides);
    emit({ name: "config", status: "ok", detail: `state in ${settings.home}` });
  } catch (err) {
    emit({
      name: "config",
      status: "fail",
      detail: errorMessage(err),
      fix: "fix the file or variable named above",
    });
    // Go on with what still loads: the same home without its config file, else plain defaults.
    settings = await loadSettings(env, overrides, { ignoreConfigFile: true }).catch(() =>
      loadSettings(
        { HOME: env.HOME, PATH: env.PATH, CODEXMCP_HOME: env.CODEXMCP_HOME },
        {},
        { ignoreConfigFile: true },
      ),
    );
  }
  emit(await gitCheck(env));
  emit(await tmuxCheck(settings, env));
  if (await codexChecks(settings, env, emit)) await codexAuthChecks(settings, env, emit);
  await agentChecks(settings, env, emit);
  await hostChecks(settings, emit);
  await stateChecks(settings, env, emit);
  for (const check of await securityChecks(settings, process.cwd())) emit(check);
  return checks;
}
