/** Structural equality for parsed JSON/TOML values (smol-toml returns null-prototype objects). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (a instanceof Date || b instanceof Date) return String(a) === String(b);
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  if (ka.length !== Object.keys(rb).length) return false;
  return ka.every((k) => Object.hasOwn(rb, k) && deepEqual(ra[k], rb[k]));
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export function detectEol(text: string): string {
  return text.includes("\r\n") ? "\r\n" : "\n";
}

/**
 * A copy of a parsed config without our server entry, used to prove an edit left everything else
 * as it was. An empty servers table counts as absent (TOML has no empty implicit tables, and an
 * install into a file without one creates it).
 */
export function withoutEntry(doc: unknown, serversKey: string, name: string): unknown {
  if (!isRecord(doc)) return doc;
  const copy: Record<string, unknown> = { ...doc };
  const servers = copy[serversKey];
  if (isRecord(servers)) {
    const rest: Record<string, unknown> = { ...servers };
    delete rest[name];
    if (Object.keys(rest).length === 0) delete copy[serversKey];
    else copy[serversKey] = rest;
  }
  return copy;
}
