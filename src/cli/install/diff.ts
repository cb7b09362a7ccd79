const CONTEXT = 3;

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
}

function range(start: number, count: number): string {
  // Unified-diff convention: an empty range is given as the line before it.
  return count === 0 ? `${start},0` : count === 1 ? `${start + 1}` : `${start + 1},${count}`;
}

/**
 * A unified diff of one edit. Our edits are local (one entry or one table), so the changed lines
 * are found by trimming the common head and tail: one hunk from the first to the last changed
 * line. That keeps this linear for configs of many megabytes (~/.claude.json grows large), where
 * a full LCS diff would be quadratic.
 */
export function unifiedDiff(file: string, before: string | undefined, after: string): string {
  const a = splitLines(before ?? "");
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) {
    tail++;
  }
  if (before === after) return "";
  const start = Math.max(0, head - CONTEXT);
  const aEnd = Math.min(a.length, a.length - tail + CONTEXT);
  const bEnd = Math.min(b.length, b.length - tail + CONTEXT);
  const out = [
    `--- ${before === undefined ? "/dev/null" : file}`,
    `+++ ${file}`,
    `@@ -${range(start, aEnd - start)} +${range(start, bEnd - start)} @@`,
  ];
  for (let i = start; i < head; i++) out.push(` ${a[i]}`);
  for (let i = head; i < a.length - tail; i++) out.push(`-${a[i]}`);
  for (let i = head; i < b.length - tail; i++) out.push(`+${b[i]}`);
  for (let i = a.length - tail; i < aEnd; i++) out.push(` ${a[i]}`);
  return `${out.join("\n")}\n`;
}

/** POSIX-shell quoting, for showing argv as a command line. */
export function shellQuote(argv: readonly string[]): string {
  return argv
    .map((arg) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(" ");
}
