import { parse, TomlError } from "smol-toml";
import { UserError } from "../../util/errors.js";
import { deepEqual, detectEol, isRecord, withoutEntry } from "./values.js";

/**
 * Text-level edits of `[mcp_servers.<name>]` in a TOML file (Codex's config.toml).
 *
 * No TOML library round-trips comments and layout, so the file is edited as text: a small
 * scanner finds the table headers (skipping multi-line strings and arrays, where a "[" at the
 * start of a line is not a header), our table and its sub-tables (`[mcp_servers.<name>.env]`)
 * are replaced or removed as whole blocks, and everything else is kept byte for byte.
 * smol-toml parses the file before (errors with a line number) and the result after: the edit
 * is written only if our entry parses to exactly what we meant and the rest of the document to
 * exactly what it was.
 *
 * A block runs from its header to its last key line; comments and blank lines after that belong
 * to whatever follows (a comment above a header is about that table).
 */

export const TOML_SERVERS_KEY = "mcp_servers";

type LineKind = "blank" | "comment" | "header" | "content";

interface Line {
  readonly start: number;
  /** Offset of the start of the next line (past the line break), or the text's length. */
  readonly next: number;
  readonly kind: LineKind;
  readonly keys?: readonly string[];
}

interface Region {
  start: number;
  end: number;
  /** Line indices, for finding adjacent blank lines. */
  firstLine: number;
  lastLine: number;
}

export interface TomlPlan {
  readonly text: string;
  readonly changed: boolean;
  readonly previous: unknown;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

export function tomlKey(key: string): string {
  return BARE_KEY.test(key) ? key : tomlString(key);
}

export function tomlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

function tomlValue(value: unknown): string {
  if (typeof value === "string") return tomlString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(", ")}]`;
  if (isRecord(value)) {
    const parts = Object.entries(value).map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v)}`);
    return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
  }
  throw new Error(`cannot write ${typeof value} as TOML`);
}

/** `[mcp_servers.<name>]` with one `key = value` line per entry (tables become inline tables). */
export function tomlTable(keys: readonly string[], table: Record<string, unknown>, eol: string): string {
  const lines = [`[${keys.map(tomlKey).join(".")}]`];
  for (const [k, v] of Object.entries(table)) lines.push(`${tomlKey(k)} = ${tomlValue(v)}`);
  return `${lines.join(eol)}${eol}`;
}

function parseBasicString(text: string, i: number): [string, number] {
  let out = "";
  let j = i + 1;
  while (j < text.length && text[j] !== '"') {
    const c = text[j] as string;
    if (c !== "\\") {
      out += c;
      j++;
      continue;
    }
    const e = text[j + 1];
    const simple: Record<string, string> = {
      b: "\b",
      t: "\t",
      n: "\n",
      f: "\f",
      r: "\r",
      e: "\x1b",
      '"': '"',
      "\\": "\\",
    };
    if (e !== undefined && simple[e] !== undefined) {
      out += simple[e];
      j += 2;
    } else if (e === "u" || e === "U" || e === "x") {
      const len = e === "u" ? 4 : e === "U" ? 8 : 2;
      out += String.fromCodePoint(Number.parseInt(text.slice(j + 2, j + 2 + len), 16));
      j += 2 + len;
    } else {
      throw new Error(`bad escape in TOML key at ${j}`);
    }
  }
  return [out, j + 1];
}

/** The dotted key of a table header starting at `i` ("[" or "[["). */
function parseHeaderKeys(text: string, i: number): string[] {
  let j = i + (text[i + 1] === "[" ? 2 : 1);
  const keys: string[] = [];
  const skipWs = () => {
    while (text[j] === " " || text[j] === "\t") j++;
  };
  for (;;) {
    skipWs();
    const c = text[j];
    if (c === '"') {
      const [key, next] = parseBasicString(text, j);
      keys.push(key);
      j = next;
    } else if (c === "'") {
      const end = text.indexOf("'", j + 1);
      keys.push(text.slice(j + 1, end));
      j = end + 1;
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(text.slice(j, j + 1024));
      if (!m) throw new Error(`unexpected character in TOML table header at ${j}`);
      keys.push(m[0]);
      j += m[0].length;
    }
    skipWs();
    if (text[j] === ".") {
      j++;
      continue;
    }
    return keys;
  }
}

/** Splits a (valid) TOML document into classified lines. */
export function scanToml(text: string): Line[] {
  const lines: Line[] = [];
  let mode: "normal" | "mlBasic" | "mlLiteral" = "normal";
  let depth = 0;
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf("\n", start);
    const next = nl === -1 ? text.length : nl + 1;
    const lineEnd = nl === -1 ? text.length : nl;
    let kind: LineKind = "content";
    let keys: string[] | undefined;
    let j = start;
    if (mode === "normal" && depth === 0) {
      while (text[j] === " " || text[j] === "\t") j++;
      const c = text[j];
      if (j >= lineEnd || c === "\r") kind = "blank";
      else if (c === "#") kind = "comment";
      else if (c === "[") {
        kind = "header";
        keys = parseHeaderKeys(text, j);
      }
    }
    if (kind === "content") {
      // Track strings and brackets that may run past this line.
      while (j < lineEnd) {
        const c = text[j];
        if (mode === "mlBasic" || mode === "mlLiteral") {
          const quote = mode === "mlBasic" ? '"' : "'";
          if (mode === "mlBasic" && c === "\\") {
            j += 2;
            continue;
          }
          if (c === quote) {
            let run = 0;
            while (text[j + run] === quote) run++;
            if (run >= 3) mode = "normal";
            j += run;
            continue;
          }
          j++;
          continue;
        }
        if (c === "#") break;
        if (c === '"' || c === "'") {
          if (text.startsWith(c.repeat(3), j)) {
            mode = c === '"' ? "mlBasic" : "mlLiteral";
            j += 3;
            continue;
          }
          j++;
          while (j < lineEnd && text[j] !== c) j += c === '"' && text[j] === "\\" ? 2 : 1;
          j++;
          continue;
        }
        if (c === "[" || c === "{") depth++;
        else if ((c === "]" || c === "}") && depth > 0) depth--;
        j++;
      }
    }
    lines.push(keys === undefined ? { start, next, kind } : { start, next, kind, keys });
    start = next;
  }
  return lines;
}

/** Each table block (header to its last key line) whose key starts with `prefix`. */
function blocksUnder(lines: readonly Line[], match: (keys: readonly string[]) => boolean): Region[] {
  const regions: Region[] = [];
  for (let h = 0; h < lines.length; h++) {
    const header = lines[h];
    if (header?.kind !== "header" || header.keys === undefined || !match(header.keys)) continue;
    let last = h;
    for (let k = h + 1; k < lines.length && lines[k]?.kind !== "header"; k++) {
      if (lines[k]?.kind === "content") last = k;
    }
    regions.push({
      start: header.start,
      end: lines[last]?.next ?? header.next,
      firstLine: h,
      lastLine: last,
    });
  }
  return regions;
}

/** Joins blocks separated only by blank lines (e.g. our table and its `.env` sub-table). */
function merge(lines: readonly Line[], regions: Region[]): Region[] {
  const out: Region[] = [];
  for (const r of regions) {
    const prev = out[out.length - 1];
    let joinable = prev !== undefined;
    for (let k = (prev?.lastLine ?? 0) + 1; joinable && k < r.firstLine; k++) {
      if (lines[k]?.kind !== "blank") joinable = false;
    }
    if (prev !== undefined && joinable) {
      prev.end = r.end;
      prev.lastLine = r.lastLine;
    } else out.push({ ...r });
  }
  return out;
}

/** A region widened by one neighbouring blank line (the separator an insertion adds). */
function withSeparator(lines: readonly Line[], r: Region): { start: number; end: number } {
  const before = lines[r.firstLine - 1];
  if (before?.kind === "blank") return { start: before.start, end: r.end };
  const after = lines[r.lastLine + 1];
  if (after?.kind === "blank") return { start: r.start, end: after.next };
  return { start: r.start, end: r.end };
}

function parseToml(file: string, text: string, what: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = err.message.split("\n")[0]?.replace(/^Invalid TOML document: /, "") ?? "invalid";
      throw new UserError(
        what === "input"
          ? `${file} is not valid TOML (line ${err.line}, column ${err.column}: ${reason}); nothing was changed. Fix the file (or move it away) and run the command again.`
          : `${file} could not be edited: ${what} (${reason}); nothing was changed.`,
      );
    }
    throw err;
  }
}

export function readTomlEntry(file: string, text: string | undefined, name: string): unknown {
  if (text === undefined) return undefined;
  const servers = parseToml(file, text, "input")[TOML_SERVERS_KEY];
  return isRecord(servers) ? servers[name] : undefined;
}

/** The new text of a TOML config with `[mcp_servers.<name>]` set to `desired` (undefined: removed). */
export function planTomlEdit(
  file: string,
  text: string | undefined,
  name: string,
  desired: Record<string, unknown> | undefined,
  matches: (existing: unknown) => boolean,
): TomlPlan {
  const source = text ?? "";
  const doc = parseToml(file, source, "input");
  const servers = doc[TOML_SERVERS_KEY];
  if (servers !== undefined && !isRecord(servers)) {
    throw new UserError(
      `${file}: "${TOML_SERVERS_KEY}" is not a table; nothing was changed. Fix it by hand and run the command again.`,
    );
  }
  const previous = servers?.[name];
  const unchanged = { text: source, changed: false, previous };
  if (desired === undefined ? previous === undefined : previous !== undefined && matches(previous))
    return unchanged;

  const lines = scanToml(source);
  const ours = merge(
    lines,
    blocksUnder(lines, (k) => k.length >= 2 && k[0] === TOML_SERVERS_KEY && k[1] === name),
  );
  // Our entry may also be written as `name = { ... }` or dotted keys inside `[mcp_servers]`;
  // those cannot be replaced as a block.
  const stripped = applyRemovals(
    source,
    ours.map((r) => withSeparator(lines, r)),
  );
  const left = parseToml(file, stripped, "removing its table would leave an invalid document")[
    TOML_SERVERS_KEY
  ];
  if (isRecord(left) && left[name] !== undefined) {
    throw new UserError(
      `${file} defines ${TOML_SERVERS_KEY}.${name} in a form codexmcp does not edit (an inline table or dotted keys, not a [${TOML_SERVERS_KEY}.${tomlKey(name)}] table); nothing was changed. Remove that definition or rewrite it as a [${TOML_SERVERS_KEY}.${tomlKey(name)}] table, then run the command again.`,
    );
  }

  let result: string;
  if (desired === undefined) {
    result = stripped;
  } else {
    const eol = text === undefined ? "\n" : detectEol(source);
    const block = tomlTable([TOML_SERVERS_KEY, name], desired, eol);
    const first = ours[0];
    if (first !== undefined) {
      // Replace the first of our blocks in place, drop the others.
      const rest = ours.slice(1).map((r) => withSeparator(lines, r));
      result = applyRemovals(source, [{ start: first.start, end: first.end, content: block }, ...rest]);
    } else {
      // Next to the other MCP servers if there are any, else at the end; one blank line before.
      const others = blocksUnder(lines, (k) => k[0] === TOML_SERVERS_KEY);
      const at = others[others.length - 1]?.end ?? source.length;
      const head = source.slice(0, at);
      const lead = head === "" ? "" : head.endsWith("\n") ? eol : `${eol}${eol}`;
      result = `${head}${lead}${block}${source.slice(at)}`;
    }
  }
  return verify(file, source, result, doc, name, desired, previous);
}

function applyRemovals(
  text: string,
  edits: readonly { start: number; end: number; content?: string }[],
): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start);
  let out = text;
  let floor = Number.POSITIVE_INFINITY;
  for (const e of sorted) {
    const end = Math.min(e.end, floor);
    out = `${out.slice(0, e.start)}${e.content ?? ""}${out.slice(end)}`;
    floor = e.start;
  }
  return out;
}

function verify(
  file: string,
  before: string,
  after: string,
  oldDoc: Record<string, unknown>,
  name: string,
  desired: Record<string, unknown> | undefined,
  previous: unknown,
): TomlPlan {
  const newDoc = parseToml(
    file,
    after,
    `the result would not be valid TOML; is ${TOML_SERVERS_KEY} written as an inline table? Rewrite it as [${TOML_SERVERS_KEY}.<name>] tables and run the command again`,
  );
  const servers = newDoc[TOML_SERVERS_KEY];
  const entry = isRecord(servers) ? servers[name] : undefined;
  const entryOk = desired === undefined ? entry === undefined : deepEqual(entry, desired);
  const restOk = deepEqual(
    withoutEntry(oldDoc, TOML_SERVERS_KEY, name),
    withoutEntry(newDoc, TOML_SERVERS_KEY, name),
  );
  if (!entryOk || !restOk) {
    throw new Error(
      `internal error: refusing to write ${file}: the edit would change more than [${TOML_SERVERS_KEY}.${name}]`,
    );
  }
  return { text: after, changed: after !== before, previous };
}
