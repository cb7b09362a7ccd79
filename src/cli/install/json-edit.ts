import {
  applyEdits,
  type Edit,
  findNodeAtLocation,
  getNodeValue,
  modify,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser";
import { UserError } from "../../util/errors.js";
import { deepEqual, detectEol, isRecord, lineAndColumn, withoutEntry } from "./values.js";

/**
 * Format-preserving edits of `<root>.mcpServers.<name>` in JSON / JSONC config files.
 *
 * jsonc-parser finds the offsets; the edits are made here rather than by its `modify` with
 * formatting options, because that re-formats neighbouring entries (it formats the whole edited
 * range, e.g. `"other": { "command": "x" }` becomes three lines). Here only our entry's text and
 * the one comma that joins it to its neighbour change, and removal undoes an insertion exactly.
 * Layouts the line-based edits do not fit (minified files, several entries on one line) fall
 * back to jsonc-parser's unformatted `modify`, which also touches only the entry and a comma.
 */

export const SERVERS_KEY = "mcpServers";

export interface JsonPlan {
  readonly text: string;
  readonly changed: boolean;
  /** Our entry as it was before, if any. */
  readonly previous: unknown;
}

interface Style {
  readonly eol: string;
  readonly unit: string;
  /** Single-line (minified) documents get compact insertions. */
  readonly compact: boolean;
}

function parseDocument(file: string, text: string): Node | undefined {
  if (text.trim() === "") return undefined;
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined) {
    const { line, column } = lineAndColumn(text, first.offset);
    throw new UserError(
      `${file} is not valid JSON (line ${line}, column ${column}: ${printParseErrorCode(first.error)}); nothing was changed. Fix the file (or move it away) and run the command again.`,
    );
  }
  if (root?.type !== "object") {
    throw new UserError(
      `${file} does not hold a JSON object at the top level; nothing was changed. Fix the file (or move it away) and run the command again.`,
    );
  }
  return root;
}

function detectStyle(text: string): Style {
  const eol = detectEol(text);
  const compact = !text.trimEnd().includes("\n");
  // The indentation of the first indented line that starts a key or closes a block is one level.
  const m = /\n([ \t]+)["}\]/]/.exec(text);
  const unit = m?.[1]?.startsWith("\t") ? "\t" : m?.[1] ? m[1] : "  ";
  return { eol, unit, compact };
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

function indentOfLine(text: string, offset: number): string {
  const start = lineStartOf(text, offset);
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? "";
}

/** Offset of the end of the line holding `offset` (at its "\r\n" or "\n", or the end of text). */
function lineEndOf(text: string, offset: number): number {
  const nl = text.indexOf("\n", offset);
  if (nl === -1) return text.length;
  return nl > 0 && text[nl - 1] === "\r" ? nl - 1 : nl;
}

/** Past the line break at `lineEnd` (if any). */
function afterLineBreak(text: string, lineEnd: number): number {
  if (text.startsWith("\r\n", lineEnd)) return lineEnd + 2;
  if (text[lineEnd] === "\n") return lineEnd + 1;
  return lineEnd;
}

function serialize(value: unknown, style: Style, indent: string): string {
  if (style.compact) return JSON.stringify(value);
  return JSON.stringify(value, null, style.unit).replaceAll("\n", `${style.eol}${indent}`);
}

/** What follows a value on its line: `rest` must be blank, a comma and/or a line comment. */
function tailOfValue(text: string, valueEnd: number): { comma: number | undefined; onlyTrivia: boolean } {
  const lineEnd = lineEndOf(text, valueEnd);
  const rest = text.slice(valueEnd, lineEnd);
  const m = /^([ \t]*)(,?)[ \t]*(\/\/.*|\/\*.*?\*\/[ \t]*)?$/.exec(rest);
  if (!m) return { comma: undefined, onlyTrivia: false };
  const comma = m[2] === "," ? valueEnd + (m[1]?.length ?? 0) : undefined;
  return { comma, onlyTrivia: true };
}

function startsOwnLine(text: string, offset: number): boolean {
  return text.slice(lineStartOf(text, offset), offset).trim() === "";
}

function insertProperty(text: string, object: Node, key: string, value: unknown, style: Style): Edit[] {
  const props = object.children ?? [];
  const last = props[props.length - 1];
  const entry = (indent: string) => `${JSON.stringify(key)}: ${serialize(value, style, indent)}`;
  if (!style.compact) {
    if (last === undefined) {
      const inner = text.slice(object.offset + 1, object.offset + object.length - 1);
      const outer = indentOfLine(text, object.offset);
      const indent = outer + style.unit;
      if (inner.trim() === "") {
        const replacement = `{${style.eol}${indent}${entry(indent)}${style.eol}${outer}}`;
        return [{ offset: object.offset, length: object.length, content: replacement }];
      }
      // Only comments inside: put the entry on its own line right after the brace.
      return [{ offset: object.offset + 1, length: 0, content: `${style.eol}${indent}${entry(indent)}` }];
    }
    const lastValue = last.children?.[1];
    if (lastValue !== undefined && startsOwnLine(text, last.offset)) {
      const valueEnd = lastValue.offset + lastValue.length;
      const tail = tailOfValue(text, valueEnd);
      if (tail.onlyTrivia) {
        const indent = indentOfLine(text, last.offset);
        // A trailing comma after the last entry (JSONC) is kept, and ours gets one too, so
        // removing ours later gives back exactly this text.
        const ownComma = tail.comma === undefined ? "" : ",";
        const edits: Edit[] = [];
        if (tail.comma === undefined) edits.push({ offset: valueEnd, length: 0, content: "," });
        edits.push({
          offset: lineEndOf(text, valueEnd),
          length: 0,
          content: `${style.eol}${indent}${entry(indent)}${ownComma}`,
        });
        return edits;
      }
    }
  }
  return modify(text, pathOf(object, key), value, {});
}

/** The JSON path of `key` inside `object` (which is the root or `mcpServers`). */
function pathOf(object: Node, key: string): string[] {
  return object.parent === undefined ? [key] : [SERVERS_KEY, key];
}

function removeProperty(text: string, object: Node, prop: Node, name: string): Edit[] {
  // jsonc-parser's unformatted removal: drops the entry and its comma, leaves the line layout.
  const fallback = () => modify(text, [SERVERS_KEY, name], undefined, {});
  const props = object.children ?? [];
  const value = prop.children?.[1];
  if (value === undefined || !startsOwnLine(text, prop.offset)) return fallback();
  const valueEnd = value.offset + value.length;
  const lineEnd = lineEndOf(text, valueEnd);
  const tail = tailOfValue(text, valueEnd);
  // A comment on our entry's line is the user's: leave the line to the fallback.
  if (!tail.onlyTrivia || text.slice(valueEnd, lineEnd).includes("/")) return fallback();

  if (props.length === 1) {
    const afterUs = tail.comma === undefined ? valueEnd : tail.comma + 1;
    const rest =
      text.slice(object.offset + 1, prop.offset) + text.slice(afterUs, object.offset + object.length - 1);
    if (rest.trim() === "") return [{ offset: object.offset, length: object.length, content: "{}" }];
  }
  const from = lineStartOf(text, prop.offset);
  const edits: Edit[] = [{ offset: from, length: afterLineBreak(text, lineEnd) - from, content: "" }];
  const index = props.indexOf(prop);
  const prev = index > 0 ? props[index - 1]?.children?.[1] : undefined;
  if (tail.comma === undefined && prev !== undefined) {
    // We were last, without a trailing comma: the comma after the previous entry joined us.
    const prevComma = tailOfValue(text, prev.offset + prev.length).comma;
    if (prevComma === undefined) return fallback();
    edits.push({ offset: prevComma, length: 1, content: "" });
  }
  return edits;
}

function checkServers(file: string, root: Node | undefined): Node | undefined {
  if (root === undefined) return undefined;
  const servers = findNodeAtLocation(root, [SERVERS_KEY]);
  if (servers !== undefined && servers.type !== "object") {
    throw new UserError(
      `${file}: "${SERVERS_KEY}" is not a JSON object; nothing was changed. Fix it by hand and run the command again.`,
    );
  }
  return servers;
}

/** Our entry in an existing config (undefined when the file, the table or the entry is absent). */
export function readJsonEntry(file: string, text: string | undefined, name: string): unknown {
  if (text === undefined) return undefined;
  const servers = checkServers(file, parseDocument(file, text));
  const node = servers === undefined ? undefined : findNodeAtLocation(servers, [name]);
  return node === undefined ? undefined : getNodeValue(node);
}

/**
 * The new text of a JSON config with our entry set to `desired` (undefined: removed).
 * `matches` decides whether an existing entry already is what we want (clients add defaults).
 */
export function planJsonEdit(
  file: string,
  text: string | undefined,
  name: string,
  desired: Record<string, unknown> | undefined,
  matches: (existing: unknown) => boolean,
): JsonPlan {
  const root = text === undefined ? undefined : parseDocument(file, text);
  const servers = checkServers(file, root);
  const entryNode = servers === undefined ? undefined : findNodeAtLocation(servers, [name]);
  const previous = entryNode === undefined ? undefined : getNodeValue(entryNode);
  const unchanged = { text: text ?? "", changed: false, previous };

  if (desired === undefined) {
    if (entryNode?.parent === undefined || servers === undefined || text === undefined) return unchanged;
    const result = applyEdits(text, removeProperty(text, servers, entryNode.parent, name));
    return verify(file, text, result, name, undefined, previous);
  }
  if (entryNode !== undefined && matches(previous)) return unchanged;

  if (text === undefined || root === undefined) {
    const eol = text === undefined ? "\n" : detectEol(text);
    const fresh = `${JSON.stringify({ [SERVERS_KEY]: { [name]: desired } }, null, 2).replaceAll("\n", eol)}${eol}`;
    return verify(file, text ?? "", fresh, name, desired, previous);
  }
  const style = detectStyle(text);
  let edits: Edit[];
  if (entryNode !== undefined) {
    const indent = indentOfLine(text, entryNode.parent?.offset ?? entryNode.offset);
    edits = [
      { offset: entryNode.offset, length: entryNode.length, content: serialize(desired, style, indent) },
    ];
  } else if (servers !== undefined) {
    edits = insertProperty(text, servers, name, desired, style);
  } else {
    edits = insertProperty(text, root, SERVERS_KEY, { [name]: desired }, style);
  }
  return verify(file, text, applyEdits(text, edits), name, desired, previous);
}

/**
 * Proves the edit did what it should and nothing else: the result parses, holds exactly our entry
 * (or none), and everything else parses to the same value as before.
 */
function verify(
  file: string,
  before: string,
  after: string,
  name: string,
  desired: Record<string, unknown> | undefined,
  previous: unknown,
): JsonPlan {
  const parse = (t: string): unknown => {
    if (t.trim() === "") return {};
    const errors: ParseError[] = [];
    const value: unknown = getNodeValue(
      parseTree(t, errors, { allowTrailingComma: true, disallowComments: false }) as Node,
    );
    if (errors.length > 0) throw new Error(`internal error: the edit of ${file} would not be valid JSON`);
    return value;
  };
  const oldDoc = parse(before);
  const newDoc = parse(after);
  const newServers = isRecord(newDoc) ? newDoc[SERVERS_KEY] : undefined;
  const entry = isRecord(newServers) ? newServers[name] : undefined;
  const entryOk = desired === undefined ? entry === undefined : deepEqual(entry, desired);
  const restOk = deepEqual(withoutEntry(oldDoc, SERVERS_KEY, name), withoutEntry(newDoc, SERVERS_KEY, name));
  if (!entryOk || !restOk) {
    throw new Error(
      `internal error: refusing to write ${file}: the edit would change more than the "${name}" entry`,
    );
  }
  return { text: after, changed: after !== before, previous };
}
