import { readFile } from "node:fs/promises";
import type { AgentEvent, AgentUsage } from "../../core/agent-events.js";
import { num, obj } from "../stream-common.js";

/**
 * Copilot CLI prints no usage in its stream; `--usage-output-file <absolute path>` writes it at the
 * end of the run (a relative path lands in the working directory, i.e. the user's repository).
 * The file has `modelMetrics.<model>.usage` {inputTokens, outputTokens, cacheReadTokens,
 * cacheWriteTokens, reasoningTokens} and Copilot's own cost units: premium requests
 * (`totalPremiumRequestCost`) and AI units (`totalNanoAiu`); no dollar cost.
 */
export interface CopilotUsage {
  readonly usage: AgentUsage;
  /** Premium requests the run cost (Copilot's billing unit; 0 in bring-your-own-key mode). */
  readonly premiumRequests?: number;
  /** Copilot's AI units, in billionths. */
  readonly nanoAiu?: number;
}

/** Reads the usage file's JSON (the text, or the parsed value), summing every model it names. */
export function readCopilotUsage(file: unknown): CopilotUsage {
  const root = obj(typeof file === "string" ? (JSON.parse(file) as unknown) : file) ?? {};
  let input = 0;
  let cached = 0;
  let output = 0;
  let reasoning = 0;
  let seen = false;
  for (const model of Object.values(obj(root.modelMetrics) ?? {})) {
    const usage = obj(obj(model)?.usage);
    if (!usage) continue;
    seen = true;
    input += num(usage.inputTokens) ?? 0;
    cached += num(usage.cacheReadTokens) ?? 0;
    output += num(usage.outputTokens) ?? 0;
    reasoning += num(usage.reasoningTokens) ?? 0;
  }
  const usage: AgentUsage = seen
    ? {
        input_tokens: input,
        cached_input_tokens: cached,
        output_tokens: output,
        reasoning_output_tokens: reasoning,
      }
    : {};
  const premiumRequests = num(root.totalPremiumRequestCost);
  const nanoAiu = num(root.totalNanoAiu);
  return {
    usage,
    ...(premiumRequests !== undefined ? { premiumRequests } : {}),
    ...(nanoAiu !== undefined ? { nanoAiu } : {}),
  };
}

/** The usage file as the run's usage event (whole-run figures). */
export function copilotUsageEvent(file: unknown): AgentEvent {
  return { kind: "usage", usage: readCopilotUsage(file).usage, cumulative: true };
}

/** The events a run's usage file stands for: none when Copilot wrote no file (it failed early). */
export async function readCopilotUsageEvents(file: string): Promise<AgentEvent[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return [];
  }
  try {
    return [copilotUsageEvent(text)];
  } catch {
    return [];
  }
}
