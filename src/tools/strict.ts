import { z } from "zod";
import { withSuggestion } from "../util/did-you-mean.js";
import { UserError } from "../util/errors.js";

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

/** A request a tool's input schema refuses; the message is the one the MCP server sends. */
export class InputError extends UserError {}

/**
 * Validates `args` as `tool` does for an MCP client (the same schema, the same sentences: each
 * issue's message and where, as the SDK words it), for callers that are not MCP (the command
 * line, the web board).
 */
export function parseToolInput<T extends z.ZodRawShape>(
  tool: string,
  shape: T,
  args: Record<string, unknown>,
): z.infer<z.ZodObject<T>> {
  const parsed = strictInput(tool, shape).safeParse(args);
  if (parsed.success) return parsed.data as z.infer<z.ZodObject<T>>;
  const where = (p: readonly PropertyKey[]) =>
    p.reduce<string>(
      (acc, seg, i) =>
        i === 0 ? String(seg) : typeof seg === "number" ? `${acc}[${seg}]` : `${acc}.${String(seg)}`,
      "",
    );
  throw new InputError(
    parsed.error.issues
      .map((i) => (i.path.length ? `${i.message} at ${where(i.path)}` : i.message))
      .join("\n"),
  );
}
