import { promises as fsp } from "node:fs";
import type { Stall } from "../tasks/stalls.js";

/** Per task id: the stall a channel last told of (the run, and when its agent last printed). */
export type StallState = Record<string, { readonly created_at: string; readonly since: number }>;

export async function readStallState(file: string): Promise<StallState> {
  try {
    const value = JSON.parse(await fsp.readFile(file, "utf8")) as unknown;
    if (!value || typeof value !== "object" || Array.isArray(value)) return {};
    const state: StallState = {};
    for (const [id, v] of Object.entries(value as Record<string, unknown>)) {
      const e = v as { created_at?: unknown; since?: unknown } | null;
      if (e && typeof e.created_at === "string" && typeof e.since === "number")
        state[id] = { created_at: e.created_at, since: e.since };
    }
    return state;
  } catch {
    // Missing, or torn by a crash: at worst a stall is told of again.
    return {};
  }
}

/**
 * Which stalls are new to a channel, and what it keeps remembering: only tasks still active
 * (the record never outgrows the running tasks). A stall is new when the channel last told of
 * another run of the task, or of a silence that the agent has broken since.
 */
export function stallsToSend(
  state: StallState,
  stalls: readonly Stall[],
  active: ReadonlySet<string>,
): { toSend: Stall[]; kept: Record<string, { created_at: string; since: number }> } {
  const kept: Record<string, { created_at: string; since: number }> = {};
  for (const [id, entry] of Object.entries(state)) if (active.has(id)) kept[id] = { ...entry };
  const toSend = stalls.filter((s) => {
    const told = kept[s.obs.meta.task_id];
    return !told || told.created_at !== s.obs.meta.created_at || told.since !== Math.floor(s.since);
  });
  return { toSend, kept };
}
