import { promises as fsp } from "node:fs";
import type { z } from "zod";
import { hasErrorCode, UserError } from "../util/errors.js";
import { parseYaml } from "./yaml.js";

/** "key worktree.copy[0]: expected string" for each issue: errors name the bad key. */
export function describeZodIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.reduce<string>(
        (acc, part) =>
          typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
        "",
      );
      if (issue.code === "unrecognized_keys") {
        const where = key ? ` in ${key}` : "";
        return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}${where}`;
      }
      return key ? `key ${key}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

/** Reads and validates a YAML config file; a missing file is an empty config. */
export async function loadYamlConfig<S extends z.ZodType>(
  file: string,
  schema: S,
): Promise<z.output<S> | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (err) {
    if (hasErrorCode(err, "ENOENT", "ENOTDIR")) return undefined;
    throw new UserError(`Cannot read ${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    // yaml loads only when there is a file: most servers start without one, and every client
    // waits for a server's start-up before it offers its tools.
    data = await parseYaml(text);
  } catch (err) {
    throw new UserError(`${file} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (data === null || data === undefined) data = {};
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new UserError(`${file} is invalid: ${describeZodIssues(parsed.error)}.`);
  return parsed.data;
}
