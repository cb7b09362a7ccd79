import type { SettingsOverrides } from "../../config/settings.js";
import { type Check, runChecks } from "../../doctor/checks.js";
import { runE2e } from "../../doctor/e2e.js";
import { which } from "../../util/which.js";
import { EXIT } from "../context.js";
import { colorEnabled, paint } from "../style.js";

/** `codexmcp doctor [--e2e] [--json]`: exit 0 when nothing failed (warnings allowed), 1 otherwise. */
export async function doctor(
  overrides: SettingsOverrides,
  opts: { e2e: boolean; json: boolean },
): Promise<number> {
  const p = paint(colorEnabled(process.stdout));
  const out = process.stdout;
  const checks: Check[] = await runChecks(process.env, overrides);
  if (opts.json && !opts.e2e) {
    out.write(`${JSON.stringify({ ok: checks.every((c) => c.status !== "fail"), checks }, null, 2)}\n`);
    return checks.some((c) => c.status === "fail") ? EXIT.failure : EXIT.ok;
  }
  const mark = { ok: p.green("✓"), warn: p.yellow("!"), fail: p.red("✗") };
  for (const c of checks) {
    out.write(`${mark[c.status]} ${p.bold(c.name.padEnd(13))} ${c.detail}\n`);
    if (c.fix && c.status !== "ok") out.write(`  ${" ".repeat(13)} ${p.dim(`→ ${c.fix}`)}\n`);
  }
  let ok = checks.every((c) => c.status !== "fail");
  if (opts.e2e) {
    out.write(
      `\n${p.bold("end-to-end")} (scripted model on 127.0.0.1; no account, no tokens; temporary files and a private tmux socket)\n`,
    );
    const codex = which(process.env.CODEX_BIN || overrides.CODEX_BIN || "codex");
    const tmux = which(overrides.CODEXMCP_TMUX_BIN || process.env.CODEXMCP_TMUX_BIN || "tmux");
    if (!codex || !tmux) {
      out.write(`${mark.fail} cannot run: ${!codex ? "codex" : "tmux"} not found (see above)\n`);
      return EXIT.failure;
    }
    const passed = await runE2e({
      codexBin: codex,
      tmuxBin: tmux,
      onStep: (s) => {
        out.write(
          `${s.ok ? mark.ok : mark.fail} ${s.name} ${p.dim(`(${(s.ms / 1000).toFixed(1)}s)`)}\n    ${s.detail}\n`,
        );
      },
    });
    out.write(
      passed
        ? `\n${p.green("end-to-end run passed")}: codexmcp works on this machine.\n`
        : `\n${p.red("end-to-end run failed")} at the step above.\n`,
    );
    ok = ok && passed;
  }
  return ok ? EXIT.ok : EXIT.failure;
}
