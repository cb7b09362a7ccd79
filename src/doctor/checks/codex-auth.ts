import { execa } from "execa";
import { type CodexProvider, codexProvider } from "../../agents/codex/provider.js";
import type { Settings } from "../../config/settings.js";
import { errorMessage } from "../../util/errors.js";
import { which } from "../../util/which.js";
import type { Check, CheckSink } from "./types.js";

const REACH_TIMEOUT_MS = 5000;

/** `codex login status`: exit 0 and its first line when logged in. */
async function loginStatus(codex: string, env: NodeJS.ProcessEnv): Promise<{ ok: boolean; said: string }> {
  const r = await execa(codex, ["login", "status"], { env, reject: false, stdin: "ignore", timeout: 15_000 });
  const said = `${String(r.stdout)}\n${String(r.stderr)}`.trim().split("\n")[0] ?? "";
  return { ok: r.exitCode === 0, said };
}

/**
 * Whether the server's Codex has credentials for its provider: a login (OpenAI, or a provider
 * with `requires_openai_auth`; `codex exec` also takes CODEX_API_KEY), or the provider's
 * `env_key` variable in the environment the server gives its tasks.
 */
async function credentials(provider: CodexProvider, codex: string, env: NodeJS.ProcessEnv): Promise<Check> {
  const name = "codex login";
  if (provider.usesLogin) {
    const status = await loginStatus(codex, env);
    if (status.ok) return { name, status: "ok", detail: `${provider.name}: ${status.said}` };
    if (env.CODEX_API_KEY)
      return {
        name,
        status: "ok",
        detail: `${provider.name}: not logged in, but CODEX_API_KEY is set (codex exec uses it)`,
      };
    return {
      name,
      status: "fail",
      detail: `Codex is not logged in (\`codex login status\`: ${status.said || "no answer"}); every task would fail at its first model request`,
      fix: "run `codex login` (or: printenv OPENAI_API_KEY | codex login --with-api-key) as the user the server runs as",
    };
  }
  if (provider.envKey) {
    return env[provider.envKey]
      ? { name, status: "ok", detail: `${provider.name}: its key variable ${provider.envKey} is set` }
      : {
          name,
          status: "fail",
          detail: `${provider.name} (model_provider "${provider.id}") reads its key from ${provider.envKey}, which is not set in the server's environment`,
          fix: `set ${provider.envKey} where the server starts (a client entry: codexmcp install <client> --env ${provider.envKey}=…)`,
        };
  }
  return { name, status: "ok", detail: `${provider.name}: needs no credentials` };
}

/** Any HTTP answer from the provider's base URL means it can be reached. */
async function reachable(provider: CodexProvider, loggedInWithChatGpt: boolean): Promise<Check> {
  const url =
    provider.baseUrl ??
    (loggedInWithChatGpt ? "https://chatgpt.com/backend-api/codex" : "https://api.openai.com/v1");
  const name = "model provider";
  try {
    const r = await fetch(url, { method: "GET", signal: AbortSignal.timeout(REACH_TIMEOUT_MS) });
    await r.body?.cancel().catch(() => undefined);
    return { name, status: "ok", detail: `${provider.name} at ${url} answers (HTTP ${r.status})` };
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    return {
      name,
      status: "warn",
      detail: `cannot reach ${provider.name} at ${url}: ${cause ? errorMessage(cause) : errorMessage(err)}; tasks fail after CODEXMCP_UNREACHABLE_TIMEOUT while it stays unreachable`,
      fix: "check the network, proxy (HTTPS_PROXY) or the provider's base_url in Codex's config.toml",
    };
  }
}

/** Credentials first, then reachability (a warning: offline is a state, not a fault). */
export async function codexAuthChecks(
  settings: Settings,
  env: NodeJS.ProcessEnv,
  emit: CheckSink,
): Promise<void> {
  const codex = which(settings.codexBin, env);
  if (!codex) return;
  const provider = await codexProvider(env, settings.profile);
  const found = await credentials(provider, codex, env);
  // Without credentials only the default agent fails doctor; another one fails only the tasks that name it.
  const login: Check =
    found.status === "fail" && settings.defaultAgent !== "codex"
      ? { ...found, status: "warn", detail: `${found.detail} (Codex is not the default agent)` }
      : found;
  emit(login);
  emit(await reachable(provider, provider.usesLogin && /chatgpt/i.test(login.detail)));
}
