import { describe, expect, it } from "vitest";
import { BUILT_IN_PRICES, estimateCost, priceOf } from "../../src/tasks/prices.js";

describe("model prices for usage estimates", () => {
  it("finds a model by its name, with a provider in front or a dated snapshot behind, and nothing else", () => {
    expect(priceOf("gpt-5", BUILT_IN_PRICES)).toEqual(BUILT_IN_PRICES["gpt-5"]);
    expect(priceOf("GPT-5-Mini", BUILT_IN_PRICES)).toEqual(BUILT_IN_PRICES["gpt-5-mini"]);
    expect(priceOf("openai/gpt-5", BUILT_IN_PRICES)).toEqual(BUILT_IN_PRICES["gpt-5"]);
    expect(priceOf("claude-sonnet-4-20250514", BUILT_IN_PRICES)).toEqual(BUILT_IN_PRICES["claude-sonnet-4"]);
    expect(priceOf("gpt-4.1-2025-04-14", BUILT_IN_PRICES)).toEqual(BUILT_IN_PRICES["gpt-4.1"]);
    expect(priceOf("claude-3-5-haiku-latest", BUILT_IN_PRICES)).toEqual(BUILT_IN_PRICES["claude-3-5-haiku"]);
    // A newer or unknown model is not priced at a neighbour's rate.
    for (const model of ["gpt-5.1", "gpt-5-pro", "o3-pro", "scripted-model", "", "gpt"])
      expect(priceOf(model, BUILT_IN_PRICES), model).toBeUndefined();
  });

  it("prices cached input at the cache rate, counted inside input for OpenAI-style usage and beside it otherwise", () => {
    const price = { input: 2, cached_input: 1, output: 4 };
    const usage = { input_tokens: 1_000_000, cached_input_tokens: 400_000, output_tokens: 500_000 };
    // Codex: 600k fresh + 400k cached + 500k out.
    expect(estimateCost("codex", usage, price)).toBeCloseTo(1.2 + 0.4 + 2, 10);
    // opencode/Claude-style: input excludes the cache reads.
    expect(estimateCost("opencode", usage, price)).toBeCloseTo(2 + 0.4 + 2, 10);
    // No cache rate: cached input at the input rate.
    expect(estimateCost("codex", usage, { input: 2, output: 4 })).toBeCloseTo(2 + 2, 10);
  });
});
