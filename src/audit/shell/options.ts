/**
 * Option parsing for the per-program rules: splits a command's arguments into options (with their values)
 * and operands, following the program's `OptSpec`.
 */

export interface OptSpec {
  /** Short options taking a value, attached (`-ofile`) or as the next word (`-o file`). */
  readonly value?: string;
  /** Short options taking only an attached, possibly empty, value (`-i.bak`). */
  readonly attached?: string;
  /** Long options taking the next word as value when not written `--opt=value`. */
  readonly long?: readonly string[];
  /** Stop at the first operand: the rest is an inner command line or the program's own arguments. */
  readonly stopAtOperand?: boolean;
}

export interface Args {
  readonly opts: { readonly name: string; readonly value: string }[];
  readonly operands: string[];
}

export function parseArgs(args: readonly string[], spec: OptSpec = {}): Args {
  const opts: { name: string; value: string }[] = [];
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--") {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      if (eq > 0) opts.push({ name: arg.slice(0, eq), value: arg.slice(eq + 1) });
      else if (spec.long?.includes(arg)) opts.push({ name: arg, value: args[++i] ?? "" });
      else opts.push({ name: arg, value: "" });
    } else if (arg.length > 1 && arg.startsWith("-")) {
      for (let j = 1; j < arg.length; j++) {
        const name = `-${arg[j]}`;
        const rest = arg.slice(j + 1);
        if (spec.value?.includes(arg[j] ?? "")) {
          opts.push({ name, value: rest || (args[++i] ?? "") });
          break;
        }
        opts.push({ name, value: rest });
        if (spec.attached?.includes(arg[j] ?? "")) break;
      }
    } else if (spec.stopAtOperand) {
      operands.push(...args.slice(i));
      break;
    } else operands.push(arg);
  }
  return { opts, operands };
}

export const has = (a: Args, ...names: string[]): boolean => a.opts.some((o) => names.includes(o.name));
export const optValues = (a: Args, ...names: string[]): string[] =>
  a.opts.filter((o) => names.includes(o.name)).map((o) => o.value);
export const optValue = (a: Args, ...names: string[]): string | undefined => optValues(a, ...names).at(-1);
export const flag = (args: readonly string[], ...names: string[]): boolean => has(parseArgs(args), ...names);
export const firstOperand = (args: readonly string[], spec?: OptSpec): string =>
  parseArgs(args, spec).operands[0] ?? "";

/** `list("a b c")`: long name tables stay one line each. */
export const list = (names: string): string[] => names.split(" ");
