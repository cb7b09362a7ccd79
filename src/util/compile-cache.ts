import module from "node:module";
import os from "node:os";
import path from "node:path";

/**
 * Turns on V8's on-disk compile cache where Node has it (`module.enableCompileCache`, Node ≥
 * 22.1; a no-op on Node 20): later starts of the server and of every runner skip compiling the
 * bundle's JavaScript. The cache lives in the user's cache directory (never the shared temp
 * directory, and not in $CODEXMCP_HOME, which the server creates with its own mode), unless
 * NODE_COMPILE_CACHE names one; NODE_DISABLE_COMPILE_CACHE=1 turns it off. Never throws.
 * Call it before importing anything large: only modules compiled afterwards use the cache.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  const enable = (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
  if (typeof enable !== "function") return;
  try {
    const base = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
    enable(env.NODE_COMPILE_CACHE || path.join(base, "codexmcp", "node-compile-cache"));
  } catch {
    // A cache is an optimisation: without it everything still works.
  }
}
