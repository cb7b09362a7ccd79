import { promises as fsp } from "node:fs";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { cachedSandboxProbe, probeAdvice } from "../agents/codex/sandbox-probe.js";
import { postMortemAudit } from "../audit/post-mortem-lazy.js";
import type { Settings } from "../config/settings.js";
import { TaskManager } from "../tasks/manager.js";
import { settlePending } from "../tools/pending.js";
import { errorMessage } from "../util/errors.js";
import { log } from "../util/log.js";
import { which } from "../util/which.js";
import { VERSION } from "../version.js";
import { startHousekeeping } from "./housekeeping.js";
import { createServer } from "./server.js";

/** How long a stopping server waits for work a cancel set off. */
const STOP_GRACE_MS = 5000;

/** Tells the user, once at start-up, whether read-only tasks need the fallback mode. */
async function reportSandbox(settings: Settings): Promise<void> {
  const codex = which(settings.codexBin);
  if (!codex) {
    log.warn(`The Codex CLI was not found ("${settings.codexBin}"); install @openai/codex or set CODEX_BIN.`);
    return;
  }
  try {
    await fsp.mkdir(settings.home, { recursive: true, mode: 0o700 });
    const advice = probeAdvice(await cachedSandboxProbe(codex, settings.home), settings.readonlyFallback);
    if (advice) log[advice.level](advice.message);
  } catch (err) {
    log.warn(`could not check Codex's sandbox: ${errorMessage(err)}`);
  }
}

/**
 * Serves MCP on stdin/stdout until the client goes away. Tasks are separate processes, so
 * leaving never stops one.
 */
export async function serveStdio(settings: Settings): Promise<void> {
  const manager = new TaskManager(settings, process.env, { postMortemAudit }, { standbyRunner: true });
  const server = createServer(manager);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once("end", () => resolve());
  });
  // A client stops its server right after cancelling a call (Codex: SIGTERM ~20 ms later); what
  // that cancel set off (stopping a task, recording why a call ended) finishes first.
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const)
    process.once(sig, () => {
      void settlePending(STOP_GRACE_MS).then(() => process.exit(0));
    });
  await server.connect(transport);
  log.info(`codexmcp ${VERSION} serving MCP on stdio (state in ${settings.home})`);
  void reportSandbox(settings);
  const housekeeping = startHousekeeping(manager);
  await closed;
  await settlePending(STOP_GRACE_MS);
  housekeeping.stop();
  await server.close().catch(() => undefined);
}
