import os from "node:os";
import path from "node:path";

/** The HOME an agent CLI started with `env` uses. */
export function homeOf(env: NodeJS.ProcessEnv): string {
  return env.HOME?.trim() || os.homedir();
}

/** `$XDG_<kind>_HOME`, else its default under HOME (`.config`, `.local/share`). */
export function xdgDir(env: NodeJS.ProcessEnv, kind: "CONFIG" | "DATA"): string {
  const set = env[`XDG_${kind}_HOME`]?.trim();
  if (set && path.isAbsolute(set)) return set;
  return path.join(homeOf(env), kind === "CONFIG" ? ".config" : ".local/share");
}
