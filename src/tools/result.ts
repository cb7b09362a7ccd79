import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { errorMessage, UserError } from "../util/errors.js";
import { log } from "../util/log.js";

/**
 * A successful tool result: structured content plus the same JSON as text, which is what most
 * clients give the model (compact: indentation would be a third of the tokens).
 */
export function ok(structured: object): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(structured) }],
    structuredContent: structured as Record<string, unknown>,
  };
}

export function fail(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

/** Runs a tool body; a UserError becomes its message, anything else an error that says what failed. */
export async function guarded(tool: string, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  const started = Date.now();
  try {
    const result = await body();
    log.debug(`${tool} answered in ${Date.now() - started} ms`);
    return result;
  } catch (err) {
    log.debug(`${tool} refused after ${Date.now() - started} ms: ${errorMessage(err)}`);
    if (err instanceof UserError) return fail(err.message);
    log.error(`${tool} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return fail(`${tool} failed unexpectedly: ${errorMessage(err)}. The server log (stderr) has details.`);
  }
}
