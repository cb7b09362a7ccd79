import { promises as fsp } from "node:fs";
import type { z } from "zod";
import { hasErrorCode, UserError } from "../util/errors.js";

/** A store file read and checked against its schema: its value, or what is wrong with it. */
export type Validated<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

/** The first issue zod found, as a short phrase ("status: Invalid option …"). */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "does not match its format";
  const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return `${where}${issue.message}`;
}

/** Checks parsed JSON text against `schema`. */
export function validateJson<S extends z.ZodType>(text: string, schema: S): Validated<z.infer<S>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `not valid JSON (${(err as Error).message})` };
  }
  const checked = schema.safeParse(parsed);
  return checked.success
    ? { ok: true, value: checked.data }
    : { ok: false, problem: firstIssue(checked.error) };
}

/**
 * Reads a JSON store file and validates it: undefined when it does not exist; a damaged file
 * (torn, truncated, edited) gives `ok: false` instead of an exception, so one bad file never
 * hides the rest of the store. Other read errors propagate.
 */
export async function readValidatedIfExists<S extends z.ZodType>(
  file: string,
  schema: S,
): Promise<Validated<z.infer<S>> | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (err) {
    if (hasErrorCode(err, "ENOENT", "ENOTDIR")) return undefined;
    if (hasErrorCode(err, "EISDIR")) return { ok: false, problem: "is a directory, not a file" };
    throw err;
  }
  return validateJson(text, schema);
}

/** A store file that exists but cannot be used; the message says which and why. */
export class DamagedFileError extends UserError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(
      `${file} is damaged (${problem}); codex_status shows what can be recovered, and codex_cleanup(task_id) archives the damaged run.`,
    );
  }
}
