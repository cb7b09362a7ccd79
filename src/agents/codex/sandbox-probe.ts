import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readJsonIfExists, writeJsonAtomic } from "../../util/files.js";

export interface SandboxProbe {
  /** Codex's sandbox started and stopped a write. */
  readonly works: boolean;
  readonly detail: string;
  readonly codex: string;
  readonly checked_at: string;
}

const MARKER = "codexmcp-sandbox-probe-ran";

/**
 * Asks Codex to run a command that writes a file under its default (read-only) sandbox
 * (`codex sandbox -- sh -c …`). The sandbox works if the command ran and the write was refused;
 * in containers bubblewrap/landlock often cannot start, and then read-only tasks need the
 * fallback mode.
 */
export async function probeSandbox(
  codexBin: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SandboxProbe> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-probe-"));
  const checked_at = new Date().toISOString();
  try {
    const { execa } = await import("execa");
    const r = await execa(codexBin, ["sandbox", "--", "sh", "-c", `echo ${MARKER}; touch probe-file`], {
      cwd: dir,
      env,
      reject: false,
      timeout: 30_000,
      stdin: "ignore",
    });
    const ran = String(r.stdout).includes(MARKER);
    const wrote = await fsp
      .stat(path.join(dir, "probe-file"))
      .then(() => true)
      .catch(() => false);
    const why = String(r.stderr)
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("WARNING: proceeding"))
      .slice(-3)
      .join(" ")
      .trim();
    if (ran && !wrote)
      return {
        works: true,
        detail: "the read-only sandbox started and refused a write",
        codex: codexBin,
        checked_at,
      };
    if (ran && wrote)
      return {
        works: false,
        detail: "the sandbox ran the command but did not stop it from writing",
        codex: codexBin,
        checked_at,
      };
    if (r.failed && r.exitCode === undefined)
      return {
        works: false,
        detail: `codex could not be run: ${r.shortMessage}`,
        codex: codexBin,
        checked_at,
      };
    return {
      works: false,
      detail: `the sandbox did not start${why ? `: ${why}` : ` (exit ${r.exitCode})`}`,
      codex: codexBin,
      checked_at,
    };
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** probeSandbox, remembered per Codex binary (path, size, mtime) for a day. */
export async function cachedSandboxProbe(
  codexBin: string,
  home: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SandboxProbe> {
  const st = await fsp.stat(codexBin).catch(() => null);
  const key = `${codexBin}:${st?.size ?? 0}:${st?.mtimeMs ?? 0}`;
  const file = path.join(home, "sandbox-probe.json");
  const cached = await readJsonIfExists<SandboxProbe & { key: string }>(file).catch(() => undefined);
  if (cached && cached.key === key && Date.now() - Date.parse(cached.checked_at) < 24 * 3600 * 1000)
    return cached;
  const probe = await probeSandbox(codexBin, env);
  await writeJsonAtomic(file, { ...probe, key }).catch(() => undefined);
  return probe;
}

/** The sentence the server logs at start-up, or undefined when there is nothing worth saying. */
export function probeAdvice(
  probe: SandboxProbe,
  fallbackEnabled: boolean,
): { level: "warn" | "info"; message: string } | undefined {
  if (!probe.works && !fallbackEnabled) {
    return {
      level: "warn",
      message: `Codex's read-only sandbox does not work on this machine (${probe.detail}); read-only tasks will fail. Set CODEXMCP_READONLY_FALLBACK=1 to run them unsandboxed with an audit (see README).`,
    };
  }
  if (probe.works && fallbackEnabled) {
    return {
      level: "info",
      message:
        "Codex's read-only sandbox works on this machine; CODEXMCP_READONLY_FALLBACK is on but not needed (the real sandbox is safer).",
    };
  }
  if (!probe.works)
    return {
      level: "info",
      message: `Codex's sandbox does not work here (${probe.detail}); read-only tasks use the audited fallback.`,
    };
  return undefined;
}
