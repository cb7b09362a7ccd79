import { promises as fsp } from "node:fs";
import type { z } from "zod";
import { hasErrorCode, UserError } from "../util/errors.js";
import { ACTIVE_STATUSES, TERMINAL_STATUSES } from "./types.js";

/** A store file read and checked against its schema: its value, or what is wrong with it. */
export type Validated<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

/** The store files that are read back, by the schema that checks them (`core/schemas.ts`). */
export type StoreFileKind = "meta" | "result" | "runner" | "completion" | "env";

/** The first issue zod found, as a short phrase ("status: Invalid option …"). */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "does not match its format";
  const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return `${where}${issue.message}`;
}

function parse(text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, problem: `not valid JSON (${(err as Error).message})` };
  }
}

/** Checks JSON text against a zod schema. */
export function validateJson<S extends z.ZodType>(text: string, schema: S): Validated<z.infer<S>> {
  const parsed = parse(text);
  if (!parsed.ok) return parsed;
  const checked = schema.safeParse(parsed.value);
  return checked.success
    ? { ok: true, value: checked.data }
    : { ok: false, problem: firstIssue(checked.error) };
}

/**
 * Checks JSON text of a store file of `kind`: against its zod schema (`full`, what observers
 * use), or (`light`) for the fields a runner relies on, without loading zod at all — every task
 * pays its runner's start-up, and zod's import is most of what this check would cost.
 */
export async function checkStoreJson(
  text: string,
  kind: StoreFileKind,
  mode: "full" | "light",
): Promise<Validated<unknown>> {
  if (mode === "full") {
    const { STORE_SCHEMAS } = await import("./schemas.js");
    return validateJson(text, STORE_SCHEMAS[kind]);
  }
  const parsed = parse(text);
  if (!parsed.ok) return parsed;
  const problem = lightProblem(parsed.value, kind);
  return problem ? { ok: false, problem } : { ok: true, value: parsed.value };
}

const STATUSES: readonly string[] = [...ACTIVE_STATUSES, ...TERMINAL_STATUSES];

function lightProblem(value: unknown, kind: StoreFileKind): string | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return "not a JSON object";
  const v = value as Record<string, unknown>;
  const str = (...keys: string[]) => keys.find((k) => typeof v[k] !== "string");
  let missing: string | undefined;
  if (kind === "meta") missing = str("task_id", "topic", "cwd", "run_dir", "created_at", "sandbox");
  else if (kind === "result") missing = str("task_id", "finished_at");
  else if (kind === "runner") missing = typeof v.pid === "number" ? undefined : "pid";
  else if (kind === "completion") missing = str("task_id", "status", "created_at");
  else if (kind === "env") missing = Object.keys(v).find((k) => typeof v[k] !== "string");
  if (missing) return `${missing}: missing or of the wrong type`;
  if ((kind === "meta" || kind === "result") && !STATUSES.includes(String(v.status)))
    return `status: not a task status (${String(v.status)})`;
  return undefined;
}

/**
 * Reads a JSON store file and checks it: undefined when it does not exist; a damaged file (torn,
 * truncated, edited) gives `ok: false` instead of an exception, so one bad file never hides the
 * rest of the store. Other read errors propagate.
 */
export async function readCheckedIfExists(
  file: string,
  kind: StoreFileKind,
  mode: "full" | "light" = "full",
): Promise<Validated<unknown> | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (err) {
    if (hasErrorCode(err, "ENOENT", "ENOTDIR")) return undefined;
    if (hasErrorCode(err, "EISDIR")) return { ok: false, problem: "is a directory, not a file" };
    throw err;
  }
  return checkStoreJson(text, kind, mode);
}

/** Like readCheckedIfExists, for a file with a schema of its own (merge.json). */
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
