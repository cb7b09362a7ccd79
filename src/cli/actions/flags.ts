import type { z } from "zod";

/**
 * Command-line flags made from an MCP tool's input schema, so each command takes exactly the
 * tool's fields, by the tool's names (`--session_id`, or `--session-id`), described by the
 * tool's own words.
 */
export type FlagKind = "string" | "number" | "boolean" | "list";

export interface FieldFlag {
  readonly field: string;
  readonly kind: FlagKind;
  readonly description: string;
  readonly required: boolean;
  /** The values an enum field takes (shown in --help). */
  readonly choices?: readonly string[];
}

type Internal = {
  _zod: { def: { type: string; innerType?: Internal; entries?: Record<string, string | number> } };
} & { description?: string };

/** The kind of value a field takes, seen through optional(). */
function fieldKind(schema: Internal): {
  kind: FlagKind;
  description: string | undefined;
  choices?: string[];
} {
  let s = schema;
  let description = s.description;
  while (s._zod.def.type === "optional" && s._zod.def.innerType) {
    s = s._zod.def.innerType;
    description ??= s.description;
  }
  const type = s._zod.def.type;
  const kind: FlagKind =
    type === "boolean" ? "boolean" : type === "array" ? "list" : type === "number" ? "number" : "string";
  if (type === "enum" && s._zod.def.entries)
    return { kind, description, choices: Object.values(s._zod.def.entries).map(String) };
  // A union of a number and words ("7d", "tail") is read as a number when it is one.
  return { kind: type === "union" ? "number" : kind, description };
}

export function fieldFlags(shape: z.ZodRawShape, skip: readonly string[]): FieldFlag[] {
  return Object.entries(shape)
    .filter(([field]) => !skip.includes(field))
    .map(([field, schema]) => {
      const { kind, description, choices } = fieldKind(schema as unknown as Internal);
      return {
        field,
        kind,
        description: description ?? "",
        required: !(schema as z.ZodType).safeParse(undefined).success,
        ...(choices ? { choices } : {}),
      };
    });
}

export const kebab = (field: string) => field.replaceAll("_", "-");

/** parseArgs options for the flags: each field by its own name and by its kebab-case name. */
export function flagOptions(flags: readonly FieldFlag[]) {
  const out: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {};
  for (const f of flags) {
    const opt = {
      type: f.kind === "boolean" ? "boolean" : "string",
      ...(f.kind === "list" ? { multiple: true } : {}),
    } as const;
    out[f.field] = opt;
    out[kebab(f.field)] = opt;
  }
  return out;
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * The tool's arguments from parsed flag values. Numbers become numbers; anything else stays
 * what was typed, so the tool's own schema words the refusal. Lists take repeats and commas.
 */
export function fieldValues(
  flags: readonly FieldFlag[],
  values: Record<string, unknown>,
): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const f of flags) {
    const raw = values[f.field] ?? values[kebab(f.field)];
    if (raw === undefined) continue;
    if (f.kind === "list")
      args[f.field] = (raw as string[]).flatMap((v) => v.split(",")).filter((v) => v !== "");
    else if (f.kind === "number" && typeof raw === "string" && NUMBER.test(raw.trim()))
      args[f.field] = Number(raw);
    else args[f.field] = raw;
  }
  return args;
}

/** "  --session_id, --session-id VALUE   Continue this conversation …" */
export function flagHelp(flags: readonly FieldFlag[]): string[] {
  return flags.map((f) => {
    const names = f.field.includes("_") ? `--${f.field}, --${kebab(f.field)}` : `--${f.field}`;
    const value = f.choices
      ? ` ${f.choices.join("|")}`
      : f.kind === "boolean"
        ? ""
        : f.kind === "list"
          ? " A[,B]"
          : f.kind === "number"
            ? " N"
            : " VALUE";
    const left = `  ${names}${value}`;
    const text = `${f.required ? "(required) " : ""}${f.description}`;
    return left.length >= 34 ? `${left}\n${" ".repeat(34)}${text}` : `${left.padEnd(34)}${text}`;
  });
}
