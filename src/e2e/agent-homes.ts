import { promises as fsp } from "node:fs";
import path from "node:path";

/**
 * Private homes that point each agent CLI at the scripted model: the env vars and settings files
 * each one needs to run offline (dummy keys, base URLs, telemetry, update checks and nonessential
 * traffic off). Verified with the real CLIs at the versions in scripts/agent-versions.json.
 */
export type ScriptedAgent = "codex" | "claude" | "gemini" | "opencode" | "copilot" | "qwen";

export const SCRIPTED_AGENTS: readonly ScriptedAgent[] = [
  "codex",
  "claude",
  "gemini",
  "opencode",
  "copilot",
  "qwen",
];

export interface AgentEnvOptions {
  /** opencode's `permission` config ({edit, bash, webfetch: allow|ask|deny} or one of those); default "allow". */
  readonly opencodePermission?: unknown;
  /**
   * Copilot: a shared COPILOT_PKG_CACHE_HOME where its ~235 MB payload is already unpacked (the
   * installer's `pkgCacheHome`); without it every fresh home unpacks its own copy on first run.
   */
  readonly copilotPkgCacheHome?: string;
  /** The model name the CLI asks for (opencode, Copilot, Qwen); defaults that each accepts. */
  readonly model?: string;
}

interface Endpoints {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** origin + /v1 */
  readonly baseUrl: string;
}

export const SCRIPTED_API_KEY = "scripted-dummy-key";

async function writeJson(file: string, value: unknown): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await fsp.writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** HOME and XDG dirs under `home`, no proxies for loopback, no colours, no update notices. */
function baseEnv(home: string): Record<string, string> {
  return {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_DATA_HOME: path.join(home, ".local/share"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    XDG_STATE_HOME: path.join(home, ".local/state"),
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
    NO_UPDATE_NOTIFIER: "1",
    DO_NOT_TRACK: "1",
    NO_COLOR: "1",
    TERM: "dumb",
  };
}

/** Settings Gemini CLI and Qwen Code (a Gemini CLI fork) share: auth pinned, telemetry and updates off. */
function geminiStyleSettings(authType: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    security: { auth: { selectedType: authType } },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    general: { disableAutoUpdate: true, disableUpdateNag: true },
    ...extra,
  };
}

async function claude(home: string, at: Endpoints): Promise<Record<string, string>> {
  return {
    ANTHROPIC_BASE_URL: at.origin,
    ANTHROPIC_API_KEY: SCRIPTED_API_KEY,
    CLAUDE_CONFIG_DIR: path.join(home, ".claude"),
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    // bypassPermissions is refused for root unless the run declares itself sandboxed.
    ...(process.getuid?.() === 0 ? { IS_SANDBOX: "1" } : {}),
  };
}

async function gemini(home: string, at: Endpoints): Promise<Record<string, string>> {
  // With only the env key Gemini CLI 0.61 picks the "gateway" auth, which headless mode rejects (exit 41).
  await writeJson(path.join(home, ".gemini/settings.json"), geminiStyleSettings("gemini-api-key"));
  return {
    GOOGLE_GEMINI_BASE_URL: at.origin,
    GEMINI_API_KEY: SCRIPTED_API_KEY,
    GEMINI_CLI_TRUST_WORKSPACE: "true",
  };
}

async function qwen(home: string, at: Endpoints, opts: AgentEnvOptions): Promise<Record<string, string>> {
  const model = opts.model ?? "scripted-model";
  await writeJson(
    path.join(home, ".qwen/settings.json"),
    geminiStyleSettings("openai", { model: { name: model } }),
  );
  return {
    OPENAI_BASE_URL: at.baseUrl,
    OPENAI_API_KEY: SCRIPTED_API_KEY,
    OPENAI_MODEL: model,
    QWEN_CODE_TRUST_WORKSPACE: "true",
  };
}

async function opencode(
  _home: string,
  at: Endpoints,
  opts: AgentEnvOptions,
): Promise<Record<string, string>> {
  const model = opts.model ?? "scripted-model";
  // The whole config inline: a provider speaking Chat Completions through the bundled
  // @ai-sdk/openai-compatible package (nothing is fetched).
  const config = {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    model: `scripted/${model}`,
    small_model: `scripted/${model}`,
    provider: {
      scripted: {
        npm: "@ai-sdk/openai-compatible",
        name: "Scripted model",
        options: { baseURL: at.baseUrl, apiKey: "{env:SCRIPTED_API_KEY}" },
        models: { [model]: { name: "Scripted", tool_call: true, limit: { context: 128_000, output: 8192 } } },
      },
    },
    permission: opts.opencodePermission ?? "allow",
  };
  return {
    OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
    SCRIPTED_API_KEY,
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_SHARE: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
    OPENCODE_DISABLE_CLAUDE_CODE: "1",
  };
}

async function copilot(home: string, at: Endpoints, opts: AgentEnvOptions): Promise<Record<string, string>> {
  return {
    // Bring-your-own-key mode, offline: no GitHub sign-in, Chat Completions to the scripted model.
    COPILOT_OFFLINE: "true",
    COPILOT_PROVIDER_BASE_URL: at.baseUrl,
    COPILOT_PROVIDER_TYPE: "openai",
    COPILOT_PROVIDER_API_KEY: SCRIPTED_API_KEY,
    COPILOT_MODEL: opts.model ?? "gpt-5.4",
    COPILOT_AUTO_UPDATE: "false",
    COPILOT_HOME: path.join(home, ".copilot"),
    ...(opts.copilotPkgCacheHome ? { COPILOT_PKG_CACHE_HOME: opts.copilotPkgCacheHome } : {}),
  };
}

type CodexHomeWriter = (dir: string, opts: { envKey?: string }) => Promise<string>;

export async function writeAgentHome(
  agent: ScriptedAgent,
  home: string,
  at: Endpoints,
  opts: AgentEnvOptions,
  writeCodexHome: CodexHomeWriter,
): Promise<Record<string, string>> {
  const env = baseEnv(home);
  for (const dir of [env.XDG_CONFIG_HOME, env.XDG_DATA_HOME, env.XDG_CACHE_HOME, env.XDG_STATE_HOME]) {
    await fsp.mkdir(dir ?? home, { recursive: true });
  }
  switch (agent) {
    case "codex": {
      const codexHome = await writeCodexHome(path.join(home, ".codex"), { envKey: "SCRIPTED_API_KEY" });
      return { ...env, CODEX_HOME: codexHome, SCRIPTED_API_KEY };
    }
    case "claude":
      return { ...env, ...(await claude(home, at)) };
    case "gemini":
      return { ...env, ...(await gemini(home, at)) };
    case "qwen":
      return { ...env, ...(await qwen(home, at, opts)) };
    case "opencode":
      return { ...env, ...(await opencode(home, at, opts)) };
    case "copilot":
      return { ...env, ...(await copilot(home, at, opts)) };
  }
}
