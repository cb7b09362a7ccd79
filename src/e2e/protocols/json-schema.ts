import type { JsonSchema } from "./types.js";

/**
 * A value that satisfies `schema`, for the side requests that demand JSON (Gemini CLI's model
 * router and next-speaker check, Qwen's). `next_speaker` answers "user" so the CLI ends its turn
 * instead of asking the model to go on.
 */
export function valueForSchema(schema: JsonSchema | undefined, name = ""): unknown {
  const rawType = schema?.type;
  const type = String((Array.isArray(rawType) ? rawType[0] : rawType) ?? "object").toLowerCase();
  const choices = schema?.enum;
  if (choices && choices.length > 0) {
    return name === "next_speaker" && choices.includes("user") ? "user" : choices[0];
  }
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(schema?.properties ?? {}))
        out[key] = valueForSchema(value, key);
      return out;
    }
    case "array":
      return [];
    case "boolean":
      return false;
    case "number":
    case "integer":
      return schema?.minimum ?? 1;
    default:
      return "scripted";
  }
}
