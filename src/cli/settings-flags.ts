import type { EnvVarName, SettingsOverrides } from "../config/settings.js";

/**
 * Command-line flags that set what an environment variable sets, winning over it: flags >
 * environment > $CODEXMCP_HOME/config.yaml > defaults. One table, also printed by --help.
 */
export const SETTING_FLAGS: readonly { flag: string; env: EnvVarName; boolean?: boolean }[] = [
  { flag: "home", env: "CODEXMCP_HOME" },
  { flag: "codex-bin", env: "CODEX_BIN" },
  { flag: "tmux-bin", env: "CODEXMCP_TMUX_BIN" },
  { flag: "tmux-socket", env: "CODEXMCP_TMUX_SOCKET" },
  { flag: "task-timeout", env: "CODEXMCP_TASK_TIMEOUT" },
  { flag: "unreachable-timeout", env: "CODEXMCP_UNREACHABLE_TIMEOUT" },
  { flag: "stall-timeout", env: "CODEXMCP_STALL_TIMEOUT" },
  { flag: "model", env: "CODEXMCP_MODEL" },
  { flag: "profile", env: "CODEX_PROFILE" },
  { flag: "reasoning-effort", env: "CODEX_REASONING_EFFORT" },
  { flag: "max-parallel", env: "CODEXMCP_MAX_PARALLEL" },
  { flag: "max-wait", env: "CODEXMCP_MAX_WAIT" },
  { flag: "readonly-fallback", env: "CODEXMCP_READONLY_FALLBACK", boolean: true },
  { flag: "readonly-fallback-restore", env: "CODEXMCP_READONLY_FALLBACK_RESTORE", boolean: true },
];

export type FlagOptions = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

export function settingOptions(): FlagOptions {
  const out: FlagOptions = {};
  for (const f of SETTING_FLAGS) out[f.flag] = { type: f.boolean ? "boolean" : "string" };
  return out;
}

export function settingOverrides(values: Record<string, unknown>): SettingsOverrides {
  const out: SettingsOverrides = {};
  for (const f of SETTING_FLAGS) {
    const v = values[f.flag];
    if (v === undefined) continue;
    out[f.env] = typeof v === "boolean" ? (v ? "1" : "0") : String(v);
  }
  return out;
}
