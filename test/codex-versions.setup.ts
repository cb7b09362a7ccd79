import { ensureCodex, TESTED_CODEX_VERSIONS } from "./helpers/codex-versions.js";

/** Every tested Codex version is on disk before the first test file starts (once per run). */
export default function setup(): void {
  for (const version of TESTED_CODEX_VERSIONS) ensureCodex(version);
}
