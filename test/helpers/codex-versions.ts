import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { TESTED_CODEX_VERSIONS } from "../../src/agents/codex/versions.js";
import { userPath } from "./paths.js";

/**
 * The Codex CLI versions codexmcp is tested with (src/agents/codex/versions.ts). The first is the
 * default of every test; the others run a focused subset (test/integration/codex-versions.test.ts).
 * 0.169.0 is the pinned devDependency; the others are installed on demand
 * (test/codex-versions.setup.ts) into a cache outside the repository.
 */
export { TESTED_CODEX_VERSIONS };
export type CodexVersion = (typeof TESTED_CODEX_VERSIONS)[number];

const ROOT = path.resolve(import.meta.dirname, "../..");
export const AGENTS_CACHE = path.resolve(process.env.CODEXMCP_AGENTS_CACHE || "/var/tmp/codexmcp-agents");

function prefix(version: CodexVersion): string {
  return path.join(AGENTS_CACHE, `codex-${version}`);
}

/** Absolute path of the given Codex version's launcher. */
export function codexBin(version: CodexVersion = TESTED_CODEX_VERSIONS[0]): string {
  if (version === "0.169.0") return path.join(ROOT, "node_modules/.bin/codex");
  return path.join(prefix(version), "node_modules/.bin/codex");
}

/** Installs a Codex version into the cache unless it is there (npm, the ordinary client). */
export function ensureCodex(version: CodexVersion): string {
  const bin = codexBin(version);
  if (existsSync(bin)) return bin;
  execFileSync(
    "npm",
    ["install", "--prefix", prefix(version), "--no-audit", "--no-fund", `@openai/codex@${version}`],
    { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, PATH: userPath() } },
  );
  if (!existsSync(bin)) throw new Error(`npm installed @openai/codex@${version} but ${bin} is missing`);
  return bin;
}
