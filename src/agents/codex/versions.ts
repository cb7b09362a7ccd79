/**
 * The Codex CLI versions this release is tested with (pinned in scripts/agent-versions.json: the
 * suite runs against its default and a focused subset against the others; a unit test keeps the
 * two lists equal). Other versions usually work; doctor says when the installed one is not among
 * these.
 */
export const TESTED_CODEX_VERSIONS = ["0.169.0", "0.171.0"] as const;

/** "0.169.0 and 0.171.0", for sentences. */
export function testedCodexVersions(): string {
  const all = [...TESTED_CODEX_VERSIONS];
  return all.length > 1 ? `${all.slice(0, -1).join(", ")} and ${all[all.length - 1]}` : (all[0] ?? "");
}

/** The version a `codex --version` line names ("codex-cli 0.169.0" → "0.169.0"). */
export function codexVersionOf(line: string): string | undefined {
  return /(\d+\.\d+\.\d+(?:-[\w.]+)?)/.exec(line)?.[1];
}
