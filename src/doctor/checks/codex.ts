import { promises as fsp, realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { codexDriver } from "../../agents/codex/driver.js";
import { codexHome } from "../../agents/codex/mcp-servers.js";
import { probeSandbox } from "../../agents/codex/sandbox-probe.js";
import { codexVersionOf, TESTED_CODEX_VERSIONS, testedCodexVersions } from "../../agents/codex/versions.js";
import { normalizeLines } from "../../agents/stream-file.js";
import type { Settings } from "../../config/settings.js";
import { RunSummary } from "../../core/summary.js";
import { ScriptedModel } from "../../e2e/scripted-model.js";
import { errorMessage } from "../../util/errors.js";
import { which } from "../../util/which.js";
import { version } from "./system.js";
import type { CheckSink } from "./types.js";

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Whether `dir` is under the temp dir, where Codex will not set up its helper binaries. */
export function underTempDir(dir: string): boolean {
  const target = real(dir);
  return [os.tmpdir(), "/tmp"].some((t) => {
    const base = real(t);
    return target === base || target.startsWith(`${base}${path.sep}`);
  });
}

/** A directory for the round trip outside the temp dir: under the state home, else under HOME. */
async function scratch(settings: Settings): Promise<string> {
  for (const parent of [path.join(settings.home, "doctor"), path.join(os.homedir(), ".codexmcp-doctor")]) {
    try {
      await fsp.mkdir(parent, { recursive: true, mode: 0o700 });
      return await fsp.mkdtemp(path.join(parent, "roundtrip-"));
    } catch {
      // try the next place
    }
  }
  throw new Error(`no writable directory for the round trip under ${settings.home} or ${os.homedir()}`);
}

/** Why a round trip went wrong, from what Codex printed (its own words when it names the cause). */
function realCause(stdout: string, stderr: string): string | undefined {
  if (/Refusing to create helper binaries under temporary dir/.test(stderr))
    return "Codex refused to set up its helper binaries because its CODEX_HOME is under the temp dir; with a system bubblewrap its sandboxed commands then fail";
  if (/codex-linux-sandbox: No such file or directory/.test(stdout))
    return "Codex's sandboxed command could not start its helper (bwrap: execvp codex-linux-sandbox: No such file or directory): Codex did not set up its helper binaries";
  return undefined;
}

/**
 * Runs `codex exec --json` once against a scripted model, with everything outside the temp dir:
 * proves the binary works, its sandboxed command runs, and its events read as expected.
 */
async function codexRoundTrip(codex: string, env: NodeJS.ProcessEnv, settings: Settings): Promise<string> {
  const model = await new ScriptedModel().start();
  const dir = await scratch(settings);
  try {
    model.script("doctor", [{ sh: "echo doctor-command-ran" }, { say: "doctor round trip ok" }]);
    const home = await model.writeCodexHome(path.join(dir, "codex-home"));
    const r = await execa(
      codex,
      ["exec", "--json", "--skip-git-repo-check", "-C", dir, "-s", "read-only", "-"],
      { input: "[[script:doctor]]", env: { ...env, CODEX_HOME: home }, reject: false, timeout: 60_000 },
    );
    const stdout = String(r.stdout);
    const stderr = String(r.stderr);
    const summary = new RunSummary();
    for (const e of normalizeLines(codexDriver, stdout.split("\n"), true)) summary.push(e);
    const s = summary.data();
    const cause = realCause(stdout, stderr);
    if (cause) throw new Error(cause);
    if (r.exitCode !== 0)
      throw new Error(
        `codex exec exited with ${r.exitCode}: ${stderr.trim().split("\n").slice(-2).join(" ")}`,
      );
    if (!s.sessionId || s.result !== "doctor round trip ok" || !s.usage || s.counts.commands < 1) {
      throw new Error(
        `codex exec --json printed events codexmcp does not understand (session ${s.sessionId}, message ${JSON.stringify(s.result)}, ${s.counts.commands} command(s))`,
      );
    }
    return `exec --json round trip: session, command, message and usage read (${s.counts.events} events)`;
  } finally {
    await model.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** The Codex binary, its CODEX_HOME, a real round trip and its sandbox. */
export async function codexChecks(
  settings: Settings,
  env: NodeJS.ProcessEnv,
  emit: CheckSink,
): Promise<boolean> {
  const codex = which(settings.codexBin, env);
  // Codex is one agent among seven: missing, it fails doctor only as the default one ("agent codex" says the rest).
  const needed = settings.defaultAgent === "codex";
  if (!codex && !needed) return false;
  if (!codex) {
    emit({
      name: "codex",
      status: "fail",
      detail: `"${settings.codexBin}" not found${env.PATH ? "" : " (no PATH)"}`,
      fix: "npm install -g @openai/codex, or set CODEX_BIN to its absolute path",
    });
    return false;
  }
  const home = codexHome(env);
  if (home && underTempDir(home))
    emit({
      name: "codex home",
      status: "warn",
      detail: `CODEX_HOME ${home} is under the temp dir: Codex will not set up its helper binaries there, and with a system bubblewrap its sandboxed commands fail`,
      fix: "move CODEX_HOME out of the temp dir (e.g. ~/.codex)",
    });
  const line = (await version(codex, ["--version"], env)) ?? "unknown version";
  const v = codexVersionOf(line);
  const tested = v !== undefined && (TESTED_CODEX_VERSIONS as readonly string[]).includes(v);
  const untested = tested ? "" : ` (this release is tested with ${testedCodexVersions()})`;
  try {
    emit({
      name: "codex",
      status: tested ? "ok" : "warn",
      detail: `${codex}: ${line}${untested}; ${await codexRoundTrip(codex, env, settings)}`,
    });
  } catch (err) {
    emit({
      name: "codex",
      status: needed ? "fail" : "warn",
      detail: `${codex}: ${line}: ${errorMessage(err)}`,
      fix: tested
        ? "see the cause above; codexmcp serve --debug shows Codex's own stderr"
        : `install a tested Codex: npm install -g @openai/codex@${TESTED_CODEX_VERSIONS[TESTED_CODEX_VERSIONS.length - 1]}`,
    });
  }
  const probe = await probeSandbox(codex, env);
  if (probe.works)
    emit({
      name: "sandbox",
      status: "ok",
      detail: `Codex's sandbox works here (${probe.detail})${settings.readonlyFallback ? "; CODEXMCP_READONLY_FALLBACK is on but not needed" : ""}`,
    });
  else if (settings.readonlyFallback)
    emit({
      name: "sandbox",
      status: "ok",
      detail: `Codex's sandbox does not work here (${probe.detail}); read-only tasks use the audited fallback`,
    });
  else
    emit({
      name: "sandbox",
      status: "warn",
      detail: `Codex's sandbox does not work here (${probe.detail}); read-only tasks will fail`,
      fix: "set CODEXMCP_READONLY_FALLBACK=1 (see README: read-only fallback)",
    });
  return true;
}
