import { postMortemAudit } from "../audit/post-mortem.js";
import { loadSettings, type Settings, type SettingsOverrides } from "../config/settings.js";
import type { TaskManager } from "../tasks/manager.js";
import { colorEnabled, type Paint, paint } from "./style.js";

/** What every command gets: settings (flags applied), the task manager, and output streams. */
export interface CliContext {
  readonly settings: Settings;
  readonly manager: TaskManager;
  readonly out: NodeJS.WriteStream;
  readonly err: NodeJS.WriteStream;
  readonly p: Paint;
  readonly env: NodeJS.ProcessEnv;
}

export async function cliContext(overrides: SettingsOverrides): Promise<CliContext> {
  const settings = await loadSettings(process.env, overrides);
  const { TaskManager } = await import("../tasks/manager.js");
  return {
    settings,
    manager: new TaskManager(settings, process.env, { postMortemAudit }, { audience: "cli" }),
    out: process.stdout,
    err: process.stderr,
    p: paint(colorEnabled(process.stdout)),
    env: process.env,
  };
}

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
