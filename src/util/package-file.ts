import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A file of the installed package, found from wherever this code was loaded: dist/util/ (tsc's
 * per-module output, the API), dist/chunks/ or dist/bin/ (the bundled server and runner, see
 * scripts/bundle.mjs), src/util/ (tests run the sources). `rel` is relative to the package root,
 * e.g. "package.json" or "dist/bin/codexmcp.js". Looks at most a few directories up.
 */
export function packageFile(rel: string): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, rel);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}
