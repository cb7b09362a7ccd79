import { must } from "./exec.js";
import { ROOT } from "./paths.js";

/** Time to `await import()` the given modules in a fresh node process, measured inside it (ms). */
export async function importTime(specifiers: readonly string[]): Promise<number> {
  const code = `const t = performance.now(); ${specifiers
    .map((s) => `await import(${JSON.stringify(s)});`)
    .join(" ")} process.stdout.write(String(performance.now() - t));`;
  const out = await must(process.execPath, ["--input-type=module", "-e", code], { cwd: ROOT });
  return Number(out);
}
