import os from "node:os";
import path from "node:path";
import { loadSettings, type SettingsOverrides } from "../../config/settings.js";
import { lookUpAgents } from "../../doctor/checks/agents.js";
import { type Check, runChecks } from "../../doctor/checks.js";
import { clientEnv, type ServerLaunch, serverStartCheck } from "../../doctor/client-server.js";
import { type E2eAgent, type E2eStep, runE2e } from "../../doctor/e2e.js";
import { SCRIPTED_AGENTS, type ScriptedAgent } from "../../e2e/agent-homes.js";
import { UserError } from "../../util/errors.js";
import { which } from "../../util/which.js";
import { EXIT } from "../context.js";
import { CLIENT_NAMES, type ClientName, isClientName } from "../install/index.js";
import { readRegistration } from "../install/read-entry.js";
import { clientPath } from "../install/server-env.js";
import { colorEnabled, paint } from "../style.js";

export interface DoctorOptions {
  readonly e2e: boolean;
  readonly json: boolean;
  /** Check as this client will run the server: its registration, command and environment. */
  readonly client?: string | undefined;
  readonly scope: string;
  readonly name: string;
}

/**
 * The agent the product's cycle runs on: the default one when it can run against the scripted
 * model and is installed, else Codex, else any installed agent that can.
 */
function e2eCycleAgent(defaultAgent: string, installed: readonly E2eAgent[]): ScriptedAgent | undefined {
  const can = (name: string): name is ScriptedAgent =>
    (SCRIPTED_AGENTS as readonly string[]).includes(name) && installed.some((a) => a.name === name);
  if (can(defaultAgent)) return defaultAgent;
  if (can("codex")) return "codex";
  return installed.map((a) => a.name).find(can);
}

/**
 * `codexmcp doctor [--e2e] [--json] [--client <name>]`: each check is printed as soon as it is
 * known; exit 0 when nothing failed (warnings allowed), 1 otherwise. With --client the server is
 * started exactly as the client's registration says and every check runs in the environment the
 * client gives it, not in this shell's.
 */
export async function doctor(overrides: SettingsOverrides, opts: DoctorOptions): Promise<number> {
  const p = paint(colorEnabled(process.stdout));
  const out = process.stdout;
  const mark = { ok: p.green("✓"), info: p.dim("·"), warn: p.yellow("!"), fail: p.red("✗") };
  const print = (c: Check) => {
    if (opts.json) return;
    out.write(`${mark[c.status]} ${p.bold(c.name.padEnd(14))} ${c.detail}\n`);
    if (c.fix && c.status !== "ok" && c.status !== "info")
      out.write(`  ${" ".repeat(14)} ${p.dim(`→ ${c.fix}`)}\n`);
  };

  // The PATH a client starts the server with never has the node_modules/.bin that npx and npm
  // scripts put in front (a dev checkout's own Codex would pass a check no client would).
  let env: NodeJS.ProcessEnv = { ...process.env, PATH: clientPath(process.env.PATH).join(path.delimiter) };
  let launch: ServerLaunch | undefined;
  const first: Check[] = [];
  if (opts.client !== undefined) {
    if (!isClientName(opts.client))
      throw new UserError(`--client takes one of ${CLIENT_NAMES.join(", ")} (got "${opts.client}").`);
    if (opts.scope !== "user" && opts.scope !== "project")
      throw new UserError('--scope is "user" or "project".');
    const client: ClientName = opts.client;
    const reg = await readRegistration({
      client,
      scope: opts.scope,
      name: opts.name,
      home: os.homedir(),
      cwd: process.cwd(),
    });
    launch = { command: reg.command, args: reg.args, env: clientEnv(reg.env) };
    // Flags of this command describe this shell, not the client: the client's env decides.
    env = { ...launch.env };
    overrides = {};
    const started = await serverStartCheck(
      launch,
      `${client} (${reg.file})`,
      `codexmcp install ${client}${opts.scope === "project" ? " --scope project" : ""}${opts.name === "codex" ? "" : ` --name ${opts.name}`}`,
    );
    first.push(started);
    print(started);
  }

  const checks = [...first, ...(await runChecks(env, overrides, print))];
  let ok = checks.every((c) => c.status !== "fail");
  const steps: E2eStep[] = [];
  if (opts.e2e) {
    const say = (text: string) => {
      if (!opts.json) out.write(text);
    };
    say(
      `\n${p.bold("end-to-end")} (scripted model on 127.0.0.1; no account, no tokens; scratch files and a private tmux socket)\n`,
    );
    const settings = await loadSettings(env, overrides).catch(() => undefined);
    const tmux = which(settings?.tmuxBin ?? "tmux", env);
    const agents = settings
      ? lookUpAgents(settings, env).flatMap((a) => (a.bin ? [{ name: a.name, bin: a.bin }] : []))
      : [];
    const cycleAgent = e2eCycleAgent(settings?.defaultAgent ?? "codex", agents);
    let passed = false;
    if (!tmux || !cycleAgent) {
      const why = !tmux ? "tmux not found" : "no agent CLI that runs offline is installed";
      steps.push({ name: "end-to-end", ok: false, ms: 0, detail: `cannot run: ${why} (see above)` });
      say(`${mark.fail} cannot run: ${why} (see above)\n`);
    } else {
      passed = await runE2e({
        agents,
        cycleAgent,
        tmuxBin: tmux,
        server: launch,
        scratchParent: path.join(settings?.home ?? path.join(os.homedir(), ".codexmcp"), "doctor"),
        onStep: (s) => {
          steps.push(s);
          const m = s.skipped ? mark.info : s.ok ? mark.ok : mark.fail;
          const took = s.skipped ? "" : ` ${p.dim(`(${(s.ms / 1000).toFixed(1)}s)`)}`;
          say(`${m} ${s.name}${took}\n    ${s.detail}\n`);
        },
      });
      say(
        passed
          ? `\n${p.green("end-to-end run passed")}: codexmcp works on this machine${launch ? `, started as ${opts.client} starts it` : ""}.\n`
          : `\n${p.red("end-to-end run failed")} at the step above.\n`,
      );
    }
    ok = ok && passed;
  }
  if (opts.json)
    out.write(`${JSON.stringify({ ok, checks, ...(opts.e2e ? { e2e: steps } : {}) }, null, 2)}\n`);
  return ok ? EXIT.ok : EXIT.failure;
}
