import { isTerminal } from "../core/types.js";
import type { Observation } from "../lifecycle/observe.js";
import type { TaskManager } from "./manager.js";
import { lastOutputAt } from "./view.js";

/**
 * A running task whose agent has printed nothing for a while: it may be thinking, waiting on a
 * slow model, or stuck. Identified by the task's run (id + created_at) and the moment of its
 * last output, so one stall is one stall however often it is looked at, and output followed by
 * another silence is a new one.
 */
export interface Stall {
  readonly obs: Observation;
  /** When the agent last printed anything (ms since the epoch). */
  readonly since: number;
  readonly idleSeconds: number;
}

/**
 * Whether a task that has been silent `idleSeconds` counts as stalled at `afterSeconds`. A task
 * whose own stall limit (CODEXMCP_STALL_TIMEOUT) stops it no later than that is not: its
 * ending says so.
 */
export function isStalled(obs: Observation, idleSeconds: number, afterSeconds: number): boolean {
  if (afterSeconds <= 0 || obs.status !== "running") return false;
  const limit = obs.meta.stall_timeout_seconds ?? 0;
  if (limit > 0 && limit <= afterSeconds) return false;
  return idleSeconds >= afterSeconds;
}

/**
 * The running tasks that have been silent at least `afterSeconds`, and the ids of every active
 * task (what a record of earlier stalls may keep). One small read per task whose meta.json is
 * already terminal, as codex_wait's scan.
 */
export async function findStalls(
  manager: TaskManager,
  afterSeconds: number,
): Promise<{ stalls: Stall[]; active: Set<string> }> {
  const stalls: Stall[] = [];
  const active = new Set<string>();
  for (const id of await manager.store.listIds()) {
    const meta = await manager.store.readMeta(id).catch(() => undefined);
    if (!meta || isTerminal(meta.status)) continue;
    const obs = await manager.observe(id).catch(() => undefined);
    if (!obs || isTerminal(obs.status)) continue;
    active.add(id);
    const since = await lastOutputAt(obs, manager.store.layout);
    if (since === undefined) continue;
    const idle = Math.max(0, (Date.now() - since) / 1000);
    if (isStalled(obs, idle, afterSeconds)) stalls.push({ obs, since, idleSeconds: Math.round(idle) });
  }
  return { stalls, active };
}
