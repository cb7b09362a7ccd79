/** Colours only on a terminal, never with NO_COLOR (https://no-color.org) or TERM=dumb. */
export function colorEnabled(
  stream: NodeJS.WriteStream = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  cyan(s: string): string;
}

const code = (on: boolean, open: number, close: number) => (s: string) =>
  on ? `\u001b[${open}m${s}\u001b[${close}m` : s;

export function paint(on: boolean): Paint {
  return {
    bold: code(on, 1, 22),
    dim: code(on, 2, 22),
    red: code(on, 31, 39),
    green: code(on, 32, 39),
    yellow: code(on, 33, 39),
    blue: code(on, 34, 39),
    cyan: code(on, 36, 39),
  };
}

export function paintStatus(p: Paint, status: string): string {
  switch (status) {
    case "completed":
      return p.green(status);
    case "failed":
    case "timed_out":
      return p.red(status);
    case "cancelled":
      return p.yellow(status);
    case "running":
    case "starting":
      return p.cyan(status);
    case "queued":
      return p.blue(status);
    default:
      return status;
  }
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

export function visibleLength(s: string): number {
  return s.replace(ANSI, "").length;
}

function padCell(cell: string, width: number): string {
  const len = visibleLength(cell);
  if (len <= width) return cell + " ".repeat(width - len);
  const plain = cell.replace(ANSI, "");
  return `${plain.slice(0, Math.max(0, width - 1))}…`;
}

/** A plain-text table; columns listed in `shrink` give way (cut with …) when it is wider than `maxWidth`. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  opts: { maxWidth?: number; shrink?: readonly number[] } = {},
): string {
  const widths = header.map((h, i) =>
    Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ""))),
  );
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  const max = opts.maxWidth ?? Number.POSITIVE_INFINITY;
  for (const i of opts.shrink ?? []) {
    const over = total() - max;
    if (over <= 0) break;
    widths[i] = Math.max(8, (widths[i] ?? 0) - over);
  }
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => padCell(c, widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** A task as lists name it: its id, and `@host` for a task on a remote host. */
export function taskLabel(meta: {
  readonly task_id: string;
  readonly remote?: { readonly host: string } | null;
}): string {
  return meta.remote ? `${meta.task_id} @${meta.remote.host}` : meta.task_id;
}
