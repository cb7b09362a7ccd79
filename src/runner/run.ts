import { existsSync } from "node:fs";
import path from "node:path";
import type { AgentDriver } from "../agents/agent.js";
import { errorCause } from "../agents/error-cause.js";
import { loadDriver } from "../agents/registry.js";
import { postMortemAudit } from "../audit/post-mortem-lazy.js";
import type { AgentErrorCause } from "../core/agent-events.js";
import { type CancelRequest, cancelSentence, readCancelRequest } from "../core/cancel-request.js";
import { buildResult } from "../core/result.js";
import type { AgentRunOutcome, RunnerContext, RunnerHooks } from "../core/runner-hooks.js";
import { FINALIZE_PATIENCE_MS, TaskStore } from "../core/store.js";
import { EMPTY_SUMMARY } from "../core/summary.js";
import { codexmcpSecrets, envSnapshot, takeTaskEnv } from "../core/task-env.js";
import { processTagOf, TASK_TAG_ENV } from "../core/task-tag.js";
import { TASK_ID_ENV, type TaskMeta, type TaskResult, type TerminalStatus } from "../core/types.js";
import { placementDiff } from "../git/placement-diff.js";
import { killTree } from "../proc/tree.js";
import { errorMessage } from "../util/errors.js";
import { writeJsonAtomic } from "../util/files.js";
import { formatDuration } from "../util/time.js";
import { runAgentProcess } from "./agent-process.js";
import { guardPane } from "./pane.js";
import { recordStart } from "./start-record.js";
import { type Stopper, stopOnSignals } from "./stopper.js";
import { closingLines, Transcript } from "./transcript.js";
import { Watchdog } from "./watchdog.js";

/**
 * Whether the run failed talking to its model, and in which words: the cause the stream gave,
 * else one read from the failure text, else from stderr (some agents say "unauthorized" or
 * "connection refused" only there).
 */
function modelFailure(
  streamCause: AgentErrorCause | null,
  why: string | null,
  stderrWhy: string | null,
): { cause: AgentErrorCause; why: string } | undefined {
  if (streamCause && streamCause !== "other" && why) return { cause: streamCause, why };
  for (const text of [why, stderrWhy]) {
    const cause = text ? errorCause(text) : "other";
    if (text && cause !== "other") return { cause, why: text };
  }
  return undefined;
}

function classify(
  outcome: AgentRunOutcome,
  stopper: Stopper,
  driver: AgentDriver,
  timeoutSeconds: number,
  cancelled: CancelRequest | undefined,
): { status: TerminalStatus; error: string | null } {
  if (stopper.reason === "timeout") {
    return {
      status: "timed_out",
      error: `${driver.label} exceeded the wall-clock limit of ${formatDuration(timeoutSeconds)} and was stopped.`,
    };
  }
  if (stopper.reason === "cancel") return { status: "cancelled", error: `${cancelSentence(cancelled)}.` };
  // The watchdog's sentence names the cause (not logged in, cannot reach the provider, stalled).
  if (stopper.reason === "unreachable" || stopper.reason === "stalled")
    return { status: "failed", error: stopper.detail };
  if (stopper.reason === "signal")
    return {
      status: "cancelled",
      error: `the runner was stopped by ${stopper.detail}${stopper.detail === "SIGHUP" ? " (its tmux session or terminal was closed)" : ""}.`,
    };
  const { summary } = outcome;
  if (outcome.spawnError)
    return { status: "failed", error: `could not start ${driver.label}: ${outcome.spawnError}` };
  // Some agents exit 0 after an API error (Claude Code reports is_error with subtype success).
  if (outcome.exitCode === 0 && !summary.turnFailed) return { status: "completed", error: null };
  const stderrWhy = outcome.stderrTail.trim().split("\n").slice(-3).join(" ").trim() || null;
  const why = summary.turnFailed ?? summary.lastError ?? stderrWhy;
  const model = modelFailure(summary.errorCause, why, stderrWhy);
  if (model) return { status: "failed", error: driver.explainFailure(model.cause, model.why) };
  const who = driver.label;
  if (outcome.signal)
    return { status: "failed", error: `${who} was killed by ${outcome.signal}${why ? `: ${why}` : ""}` };
  if (outcome.exitCode === 0) return { status: "failed", error: `${who} reported a failure: ${why}` };
  return { status: "failed", error: `${who} exited with code ${outcome.exitCode}${why ? `: ${why}` : ""}` };
}

/**
 * Executes one task end to end in this process (the runner). It outlives the server that
 * launched it; its only contract with the rest of the product is the task directory.
 */
export async function runTask(
  taskDir: string,
  extraHooks: RunnerHooks = {},
  earlyStopper?: Stopper,
): Promise<TaskResult | undefined> {
  const taskId = path.basename(taskDir);
  const store = new TaskStore(path.dirname(path.dirname(taskDir)), { postMortemAudit, lightReads: true });
  const files = (name: Parameters<typeof store.layout.file>[1]) => store.layout.file(taskId, name);
  const stopper = earlyStopper ?? stopOnSignals(files("cancel"));
  const loaded = await store.readMeta(taskId);
  if (!loaded) throw new Error(`no task at ${taskDir}`);
  // Everything from here to the agent's launch is time the caller waits: the start is recorded
  // while the rest loads, and the agent's argv is read while the records are written.
  const recording = recordStart(store, loaded);
  const [driver, taskHookList, taskEnv] = await Promise.all([
    loadDriver(loaded.agent),
    taskHooks(loaded, taskDir),
    takeTaskEnv(files("env")),
  ]);
  const hookList = [...taskHookList, extraHooks];
  const hooks = combineHooks(hookList);

  if (existsSync(files("cancel"))) stopper.stop("cancel", "a cancel requested before the runner started");

  const env = {
    ...(taskEnv ?? envSnapshot(process.env, await codexmcpSecrets(store.layout.home))),
  };
  env[TASK_ID_ENV] = taskId;
  if (loaded.process_tag) env[TASK_TAG_ENV] = loaded.process_tag;
  env.CODEXMCP_TASK_DIR = taskDir;
  if (loaded.port_range && loaded.port) env[loaded.port_range.env] = String(loaded.port);

  const agentArgs = (): Promise<string[]> =>
    driver.prepareArgs
      ? driver.prepareArgs(loaded.agent_args, {
          runDir: loaded.run_dir,
          env,
          profile: loaded.profile ?? undefined,
          mcpServers: loaded.agent_mcp_servers ?? "none",
        })
      : Promise.resolve([...loaded.agent_args]);
  // Setup commands run before the agent and may change what its argv is read from: then later.
  const early = hookList.some((h) => h.beforeAgent) ? undefined : agentArgs();
  early?.catch(() => undefined); // awaited (and its error reported) in the run below
  const started = await recording;
  const ownRecord = started.record;
  const meta: TaskMeta = started.meta;

  const transcript = new Transcript(files("log"), process.stdout.isTTY ? process.stdout : undefined);
  guardPane(taskId);
  const ctx: RunnerContext = { store, meta, env, transcript, signal: stopper.controller.signal };
  transcript.line(
    `codexmcp ${taskId} · ${meta.agent} · sandbox ${meta.sandbox} (${meta.agent_mode}) · ${meta.run_dir}`,
  );
  if (meta.git)
    transcript.line(
      `worktree ${meta.git.worktree_dir} on ${meta.git.agent_branch} (base ${meta.git.base_branch ?? "detached"} @ ${meta.git.base_commit.slice(0, 12)})`,
    );
  if (meta.resume_session_id) transcript.line(`resuming ${driver.label} session ${meta.resume_session_id}`);

  const timer = setTimeout(() => stopper.stop("timeout", "timeout"), meta.timeout_seconds * 1000);
  timer.unref();

  let result: TaskResult;
  let agentSwept = false;
  try {
    await hooks.beforeAgent?.(ctx);
    if (stopper.reason) throw new StoppedBeforeAgent();
    const input = meta.agent_input ? path.basename(meta.agent_input) : "prompt.md";
    const args = await (early ?? agentArgs());
    transcript.line(`$ ${meta.agent_bin} ${args.join(" ")} < ${input}`);
    const watchdog = new Watchdog(
      {
        unreachableSeconds: meta.unreachable_timeout_seconds ?? DEFAULT_UNREACHABLE_SECONDS,
        stallSeconds: meta.stall_timeout_seconds ?? 0,
      },
      driver,
      stopper,
    );
    watchdog.start();
    const outcome = await runAgentProcess({
      taskId,
      speaker: meta.agent,
      reader: driver.streamReader(),
      ...(driver.afterExit ? { afterExit: () => driver.afterExit?.(taskDir) ?? Promise.resolve([]) } : {}),
      onEvent: (event, summary) => watchdog.event(event, summary),
      onOutput: () => watchdog.output(),
      bin: meta.agent_bin,
      args,
      cwd: meta.run_dir,
      env: {
        ...env,
        ...(meta.agent_env ?? {}),
        ...(driver.runEnv?.(env, { readOnly: meta.sandbox === "read-only" && !meta.readonly_fallback }) ??
          {}),
      },
      promptFile: path.join(taskDir, input),
      eventsFile: files("events"),
      stderrFile: files("stderr"),
      transcript,
      signal: stopper.controller.signal,
      onSpawn: (pid) => {
        if (ownRecord)
          void writeJsonAtomic(files("runner"), { ...ownRecord, agent_pid: pid }).catch(() => undefined);
      },
    });
    agentSwept = true;
    clearTimeout(timer);
    watchdog.stop();
    const cancelled = stopper.reason === "cancel" ? await readCancelRequest(files("cancel")) : undefined;
    const { status, error } = classify(outcome, stopper, driver, meta.timeout_seconds, cancelled);
    const extra = (await hooks.afterAgent?.(ctx, outcome)) ?? {};
    result = buildResult(meta, {
      status,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      error,
      summary: outcome.summary,
      diff: await placementDiff(meta.git, (m) => transcript.line(m)),
      audit: extra.audit,
      finalizedBy: stopper.reason === "cancel" ? "cancel" : "runner",
    });
  } catch (err) {
    clearTimeout(timer);
    const stopped = err instanceof StoppedBeforeAgent;
    const cancelled =
      stopped && stopper.reason === "cancel" ? await readCancelRequest(files("cancel")) : undefined;
    result = buildResult(meta, {
      status: stopped ? (stopper.reason === "timeout" ? "timed_out" : "cancelled") : "failed",
      exitCode: null,
      signal: null,
      error: !stopped
        ? errorMessage(err)
        : cancelled
          ? `${cancelSentence(cancelled)}, before ${driver.label} started.`
          : `stopped before ${driver.label} started (${stopper.detail})`,
      summary: EMPTY_SUMMARY,
      diff: await placementDiff(meta.git, (m) => transcript.line(m)),
      finalizedBy: stopper.reason === "cancel" ? "cancel" : "runner",
    });
  }

  // Nothing of the task may outlive it (setup commands, or leftovers when the agent never ran).
  // An agent that ran was swept after its exit already (agent-process.ts), with the same tag.
  if (!agentSwept)
    await killTree({
      roots: [],
      tag: processTagOf(meta),
      spare: [process.pid],
      graceMs: 2000,
    });
  // The closing lines are on disk before the outcome: whoever sees the task ended (logs -f, a
  // remote host's pull, a wait) then reads a complete log.
  transcript.lines(closingLines(result));
  await transcript.flush();
  let won: boolean;
  try {
    won = await store.finalize(result, { patienceMs: FINALIZE_PATIENCE_MS });
  } catch (err) {
    transcript.line(`the outcome above could not be recorded: ${errorMessage(err)}`);
    await transcript.close();
    throw err;
  }
  const final = won ? result : ((await store.readResult(taskId)) ?? result);
  // Another process recorded the outcome first (a cancel that stopped waiting for this runner).
  if (!won) transcript.line(`recorded instead, by ${final.finalized_by}: ${closingLines(final).join(" · ")}`);
  await transcript.close();
  await hooks.afterFinalize?.(ctx).catch(() => undefined);
  return final;
}

class StoppedBeforeAgent extends Error {}

/** The unreachable limit of tasks whose meta.json predates the setting (as DEFAULTS says). */
const DEFAULT_UNREACHABLE_SECONDS = 180;

/**
 * What this task needs besides the agent, loaded only when needed: every task pays the runner's
 * start-up time, and most need neither setup commands nor the read-only audit.
 */
async function taskHooks(meta: TaskMeta, taskDir: string): Promise<RunnerHooks[]> {
  const hooks: RunnerHooks[] = [];
  if (meta.setup && meta.setup.length > 0) hooks.push((await import("./setup.js")).setupHooks(meta));
  if (meta.readonly_fallback)
    hooks.push((await import("../audit/fallback.js")).readonlyFallbackHooks(meta, taskDir));
  return hooks;
}

/** Several hook sets as one: each phase runs them in order; afterAgent facts are merged. */
export function combineHooks(all: readonly RunnerHooks[]): RunnerHooks {
  return {
    beforeAgent: async (ctx) => {
      for (const h of all) await h.beforeAgent?.(ctx);
    },
    afterAgent: async (ctx, outcome) => {
      let facts: { audit?: unknown } = {};
      for (const h of all) facts = { ...facts, ...((await h.afterAgent?.(ctx, outcome)) ?? {}) };
      return facts;
    },
    afterFinalize: async (ctx) => {
      for (const h of all) await h.afterFinalize?.(ctx);
    },
  };
}
