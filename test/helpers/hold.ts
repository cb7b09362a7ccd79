import type { ScriptStep } from "../../src/e2e/scripted-model.js";

/**
 * Script steps that keep a task running until `gate` exists, for at most about `seconds`. One
 * long command would not do: Codex hands a command that runs past 30 s back to the model still
 * running (the scripted model asks for the longest yield it allows), the next scripted step then
 * ends the turn and the task completes early. So each step waits at most 20 s and returns as
 * soon as the gate is there; the steps after it then return at once.
 */
export function holdUntil(gate: string, seconds = 600): ScriptStep[] {
  const step: ScriptStep = {
    sh: `end=$(( $(date +%s) + 20 )); while [ ! -e '${gate}' ] && [ "$(date +%s)" -lt "$end" ]; do sleep 0.2; done`,
  };
  return Array.from({ length: Math.ceil(seconds / 20) }, () => step);
}

/** Steps that keep a task running for about `seconds` (tests that cancel it before then). */
export function holdFor(seconds = 600): ScriptStep[] {
  return Array.from({ length: Math.ceil(seconds / 20) }, () => ({ sh: "sleep 20" }));
}
