import { readFileSync } from "node:fs";
import path from "node:path";
import { TESTED_CODEX_VERSIONS } from "../../src/agents/codex/versions.js";
import { agentBinPath } from "./agents.js";

/**
 * The Codex CLI versions codexmcp is tested with (src/agents/codex/versions.ts, pinned in
 * scripts/agent-versions.json and installed by scripts/agents.mjs). The pinned default runs the
 * whole suite; the others run a focused subset (test/integration/codex-versions.test.ts).
 */
export { TESTED_CODEX_VERSIONS };
export type CodexVersion = (typeof TESTED_CODEX_VERSIONS)[number];

const ROOT = path.resolve(import.meta.dirname, "../..");
const PINS = JSON.parse(readFileSync(path.join(ROOT, "scripts/agent-versions.json"), "utf8")) as {
  agents: { codex: { versions: string[]; default: string } };
};

/** The pinned Codex the whole suite runs. */
export const DEFAULT_CODEX_VERSION = PINS.agents.codex.default;
/** The pinned Codex versions (scripts/agent-versions.json). */
export const PINNED_CODEX_VERSIONS: readonly string[] = PINS.agents.codex.versions;
/** The tested versions the focused subset runs. */
export const OTHER_CODEX_VERSIONS = TESTED_CODEX_VERSIONS.filter((v) => v !== DEFAULT_CODEX_VERSION);

/** Absolute path of a pinned Codex's launcher (the global setup has installed it). */
export function codexBin(version: string = DEFAULT_CODEX_VERSION): string {
  return agentBinPath("codex", version);
}
