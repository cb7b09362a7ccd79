import { promises as fsp } from "node:fs";
import path from "node:path";

/**
 * Where tests keep their files: never under the OS temp dir, because Codex refuses to set up its
 * helper binaries when CODEX_HOME is there, and on a machine with a system bubblewrap its
 * sandboxed commands then fail (as they would for a user whose CODEX_HOME is in /tmp). Override
 * with CODEXMCP_TEST_ROOT.
 */
export const TEST_ROOT = path.resolve(process.env.CODEXMCP_TEST_ROOT || "/var/tmp/codexmcp-tests");

/** A fresh private directory under TEST_ROOT (realpath: macOS links /var to /private/var). */
export async function testDir(prefix: string): Promise<string> {
  await fsp.mkdir(TEST_ROOT, { recursive: true, mode: 0o755 });
  return fsp.realpath(await fsp.mkdtemp(path.join(TEST_ROOT, `${prefix}-`)));
}

/**
 * PATH as a user's shell has it: without the `node_modules/.bin` directories that npm and npx
 * put in front (a client never starts codexmcp with them, so tests must not rely on them).
 */
export function userPath(pathEnv = process.env.PATH ?? ""): string {
  return pathEnv
    .split(path.delimiter)
    .filter((dir) => dir && !/(^|[\\/])node_modules[\\/](\.bin|.*[\\/]node-gyp-bin)[\\/]?$/.test(dir))
    .join(path.delimiter);
}
