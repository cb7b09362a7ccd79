import type { AgentUsage } from "../core/agent-events.js";

/** US dollars per million tokens. `cached_input`: input read from the provider's prompt cache. */
export interface Price {
  readonly input: number;
  readonly cached_input?: number | undefined;
  readonly output: number;
}

/** When the built-in prices were taken from the providers' published price lists. */
export const PRICES_AS_OF = "2025-08";

/**
 * List prices of the models agents commonly run, for an estimate where the agent reports no cost
 * of its own (Claude Code and opencode do; Codex, Gemini CLI and the others do not). Prices
 * change: `usage.prices` in config.yaml adds models and overrides these, and every figure made
 * from them is marked "estimated".
 */
export const BUILT_IN_PRICES: Readonly<Record<string, Price>> = {
  "gpt-5": { input: 1.25, cached_input: 0.125, output: 10 },
  "gpt-5-codex": { input: 1.25, cached_input: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cached_input: 0.025, output: 2 },
  "gpt-5-nano": { input: 0.05, cached_input: 0.005, output: 0.4 },
  "gpt-4.1": { input: 2, cached_input: 0.5, output: 8 },
  "gpt-4.1-mini": { input: 0.4, cached_input: 0.1, output: 1.6 },
  o3: { input: 2, cached_input: 0.5, output: 8 },
  "o4-mini": { input: 1.1, cached_input: 0.275, output: 4.4 },
  "claude-opus-4-1": { input: 15, cached_input: 1.5, output: 75 },
  "claude-opus-4": { input: 15, cached_input: 1.5, output: 75 },
  "claude-sonnet-4": { input: 3, cached_input: 0.3, output: 15 },
  "claude-3-5-haiku": { input: 0.8, cached_input: 0.08, output: 4 },
  "gemini-2.5-pro": { input: 1.25, cached_input: 0.31, output: 10 },
  "gemini-2.5-flash": { input: 0.3, cached_input: 0.075, output: 2.5 },
};

/**
 * The price of a model by its name as an agent or a dispatch gave it: exactly, or with a
 * provider in front ("openai/gpt-5") or a dated snapshot behind ("claude-sonnet-4-20250514",
 * "gpt-4.1-2025-04-14", "…-latest"). Another model (a newer "gpt-5.1") has no price: an
 * estimate at a neighbour's rate would be a guess.
 */
export function priceOf(model: string, prices: Readonly<Record<string, Price>>): Price | undefined {
  const name = model
    .trim()
    .toLowerCase()
    .replace(/^[a-z0-9-]+\//, "");
  if (prices[name]) return prices[name];
  const base = /^(.*?)(-\d{4}-?\d{2}-?\d{2}|-latest)$/.exec(name)?.[1];
  return base ? prices[base] : undefined;
}

/**
 * Agents whose `input_tokens` count the cached ones too (OpenAI's and Gemini's usage): the
 * cached part is priced at the cache rate and the rest at the input rate. The others (Claude
 * Code, opencode) report cache reads beside the input tokens.
 */
const INPUT_INCLUDES_CACHED = new Set(["codex", "gemini", "qwen", "copilot", "cursor"]);

/** The estimated dollar cost of one run's tokens. */
export function estimateCost(agent: string, usage: AgentUsage, price: Price): number {
  const input = usage.input_tokens ?? 0;
  const cached = usage.cached_input_tokens ?? 0;
  const fresh = INPUT_INCLUDES_CACHED.has(agent) ? Math.max(0, input - cached) : input;
  // Reasoning tokens are billed as output and already counted in output_tokens.
  const output = usage.output_tokens ?? 0;
  return (fresh * price.input + cached * (price.cached_input ?? price.input) + output * price.output) / 1e6;
}
