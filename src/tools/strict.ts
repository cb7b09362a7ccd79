import { z } from "zod";
import { withSuggestion } from "../util/did-you-mean.js";

/**
 * A tool's input object that refuses parameters it does not know, saying which was probably
 * meant: a misspelled key would otherwise be dropped silently (codex_status {"taskId": …}
 * returned the whole list; codex_wait {"task_id": …} waited for any task).
 */
export function strictInput<T extends z.ZodRawShape>(tool: string, shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== "unrecognized_keys") return undefined;
      const keys = (issue as { keys: string[] }).keys;
      return `${tool} has no parameter ${keys.map((k) => withSuggestion(k, known)).join(", ")}; its parameters are ${known.join(", ")}.`;
    },
  });
}
