import { promises as fsp } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { codexHome } from "./mcp-servers.js";

/** The model provider a Codex run would use, as far as checking it needs. */
export interface CodexProvider {
  /** `model_provider` (default "openai"). */
  readonly id: string;
  readonly name: string;
  /** Where requests go; undefined when it depends on the login (OpenAI: API or ChatGPT). */
  readonly baseUrl: string | undefined;
  /** The variable the API key is read from (`env_key`). */
  readonly envKey: string | undefined;
  /** The provider authenticates through `codex login` (OpenAI, or `requires_openai_auth`). */
  readonly usesLogin: boolean;
  /** The config file read, when there is one. */
  readonly configFile: string | undefined;
}

/** Codex's built-in providers besides OpenAI (they run locally and need no key). */
const LOCAL: Record<string, { name: string; baseUrl: string }> = {
  ollama: { name: "Ollama", baseUrl: "http://localhost:11434/v1" },
  lmstudio: { name: "LM Studio", baseUrl: "http://localhost:1234/v1" },
};

type Table = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * Reads `$CODEX_HOME/config.toml` (and a profile's `model_provider` when one is named) for the
 * provider Codex would talk to. A file Codex would refuse is reported by the round trip instead.
 */
export async function codexProvider(
  env: Readonly<Record<string, string | undefined>>,
  profile?: string,
): Promise<CodexProvider> {
  const home = codexHome(env);
  const file = home ? path.join(home, "config.toml") : undefined;
  let doc: Table = {};
  if (file) {
    const text = await fsp.readFile(file, "utf8").catch(() => undefined);
    if (text !== undefined) {
      try {
        doc = parse(text) as Table;
      } catch {
        doc = {};
      }
    }
  }
  const profiles = (doc.profiles ?? {}) as Table;
  const fromProfile = profile ? str((profiles[profile] as Table | undefined)?.model_provider) : undefined;
  const id = fromProfile ?? str(doc.model_provider) ?? "openai";
  const custom = ((doc.model_providers ?? {}) as Table)[id] as Table | undefined;
  const configFile = file && Object.keys(doc).length > 0 ? file : undefined;
  if (custom) {
    return {
      id,
      name: str(custom.name) ?? id,
      baseUrl: str(custom.base_url),
      envKey: str(custom.env_key),
      usesLogin: custom.requires_openai_auth === true,
      configFile,
    };
  }
  const local = LOCAL[id];
  if (local) return { id, ...local, envKey: undefined, usesLogin: false, configFile };
  return {
    id,
    name: "OpenAI",
    baseUrl: str(doc.openai_base_url),
    envKey: undefined,
    usesLogin: true,
    configFile,
  };
}
