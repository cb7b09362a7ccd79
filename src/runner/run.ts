import { existsSync } from "node:fs";
import path from "node:path";
import { describeUsage } from "../agents/codex/describe.js";
import { EMPTY_SUMMARY } from "../agents/codex/summary.js";
import { buildResult, worktreeDiff } from "../core/result.js";
import { FINALIZE_PATIENCE_MS, TaskStore } from "../core/store.js";
import { takeTaskEnv } from "../core/task-env.js";
import { processTagOf, TASK_TAG_ENV } from "../core/task-tag.js";
import { TASK_ID_ENV, type TaskMeta, type TaskResult, type TerminalStatus } from "../core/types.js";
import { processIdentity } from "../proc/liveness.js";
import { killTree } from "../proc/tree.js";
import { errorMessage } from "../util/errors.js";
import { readJsonIfExists, writeJsonAtomic } from "../util/files.js";
import { formatDuration, nowIso } from "../util/time.js";
import { type CodexRunOutcome, runCodexProcess } from "./codex-process.js";
import { type Stopper, stopOnSignals } from "./stopper.js";
import { Transcript } from "./transcript.js";

function classify(
  outcome: CodexRunOutcome,
  stopper: Stopper,
  timeoutSeconds: number,
): { status: TerminalStatus; error: string | null } {
  if (stopper.reason === "timeout") {
    return {
      status: "timed_out",
      error: `Codex exceeded the wall-clock limit of ${formatDuration(timeoutSeconds)} and was stopped.`,
    };
  }
  if (stopper.reason === "cancel")
    return { status: "cancelled", error: "cancelled on request (codex_cancel)." };
  if (stopper.reason === "signal")
    return { status: "cancelled", error: `the runner was stopped by ${stopper.detail}.` };
  if (outcome.spawnError) return { status: "failed", error: `could not start codex: ${outcome.spawnError}` };
  if (outcome.exitCode === 0) return { status: "completed", error: null };
  const why =
    outcome.summary.turnFailed ??
    outcome.summary.lastError ??
    (outcome.stderrTail.trim().split("\n").slice(-3).join(" ").trim() || null);
  if (outcome.signal)
    return { status: "failed", error: `codex was killed by ${outcome.signal}${why ? `: ${why}` : ""}` };
  return { status: "failed", error: `codex exited with code ${outcome.exitCode}${why ? `: ${why}` : ""}` };
}

export interface RunnerHooks {
  /** Work before codex starts (worktree setup); throwing fails the task with the message. */
  beforeCodex?: (ctx: RunnerContext) => Promise<void>;
  /** Extra result facts after codex ends (read-only audit). */
  afterCodex?: (ctx: RunnerContext, outcome: CodexRunOutcome) => Promise<{ audit?: unknown }>;
  /** Runs after the outcome is recorded (start queued tasks). */
  afterFinalize?: (ctx: RunnerContext) => Promise<void>;
}

export interface RunnerContext {
  readonly store: TaskStore;
  readonly meta: TaskMeta;
  readonly env: Record<string, string>;
  readonly transcript: Transcript;
  readonly signal: AbortSignal;
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
  const store = new TaskStore(path.dirname(path.dirname(taskDir)));
  const files = (name: Parameters<typeof store.layout.file>[1]) => store.layout.file(taskId, name);
  const stopper = earlyStopper ?? stopOnSignals(files("cancel"));
  const loaded = await store.readMeta(taskId);
  if (!loaded) throw new Error(`no task at ${taskDir}`);
  let meta: TaskMeta = loaded;
  const hooks = combineHooks([...(await taskHooks(meta, taskDir)), extraHooks]);

  if (existsSync(files("cancel"))) stopper.stop("cancel", "a cancel requested before the runner started");

  const env = { ...((await takeTaskEnv(files("env"))) ?? (process.env as Record<string, string>)) };
  env[TASK_ID_ENV] = taskId;
  if (meta.process_tag) env[TASK_TAG_ENV] = meta.process_tag;
  env.CODEXMCP_TASK_DIR = taskDir;
  if (meta.port_range && meta.port) env[meta.port_range.env] = String(meta.port);

  const self = processIdentity(process.pid);
  const launched = await readJsonIfExists<{ launched_at?: string }>(files("runner"));
  const ownRecord = self && {
    ...self,
    host: meta.host,
    launched_at: launched?.launched_at ?? nowIso(),
    ready_at: nowIso(),
  };
  if (ownRecord) await writeJsonAtomic(files("runner"), ownRecord).catch(() => undefined);
  meta =
    (await store
      .updateMeta(taskId, (m) => {
        m.status = "running";
        m.started_at = nowIso();
      })
      .catch(() => undefined)) ?? meta;

  const transcript = new Transcript(files("log"), process.stdout.isTTY ? process.stdout : undefined);
  const ctx: RunnerContext = { store, meta, env, transcript, signal: stopper.controller.signal };
  transcript.line(
    `codexmcp ${taskId} · sandbox ${meta.sandbox} (codex -s ${meta.codex_sandbox}) · ${meta.run_dir}`,
  );
  if (meta.git)
    transcript.line(
      `worktree ${meta.git.worktree_dir} on ${meta.git.agent_branch} (base ${meta.git.base_branch ?? "detached"} @ ${meta.git.base_commit.slice(0, 12)})`,
    );
  if (meta.resume_session_id) transcript.line(`resuming Codex session ${meta.resume_session_id}`);

  const timer = setTimeout(() => stopper.stop("timeout", "timeout"), meta.timeout_seconds * 1000);
  timer.unref();

  let result: TaskResult;
  try {
    await hooks.beforeCodex?.(ctx);
    if (stopper.reason) throw new StoppedBeforeCodex();
    transcript.line(`$ ${meta.codex_bin} ${meta.codex_args.join(" ")} < prompt.md`);
    const outcome = await runCodexProcess({
      taskId,
      bin: meta.codex_bin,
      args: meta.codex_args,
      cwd: meta.run_dir,
      env,
      promptFile: meta.codex_input ? path.join(taskDir, path.basename(meta.codex_input)) : files("prompt"),
      eventsFile: files("events"),
      stderrFile: files("stderr"),
      transcript,
      signal: stopper.controller.signal,
      onSpawn: (pid) => {
        if (ownRecord)
          void writeJsonAtomic(files("runner"), { ...ownRecord, codex_pid: pid }).catch(() => undefined);
      },
    });
    clearTimeout(timer);
    const { status, error } = classify(outcome, stopper, meta.timeout_seconds);
    const extra = (await hooks.afterCodex?.(ctx, outcome)) ?? {};
    result = buildResult(meta, {
      status,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      error,
      summary: outcome.summary,
      diff: await worktreeDiff(meta, (m) => transcript.line(m)),
      audit: extra.audit,
      finalizedBy: stopper.reason === "cancel" ? "cancel" : "runner",
    });
  } catch (err) {
    clearTimeout(timer);
    const stopped = err instanceof StoppedBeforeCodex;
    result = buildResult(meta, {
      status: stopped ? (stopper.reason === "timeout" ? "timed_out" : "cancelled") : "failed",
      exitCode: null,
      signal: null,
      error: stopped ? `stopped before Codex started (${stopper.detail})` : errorMessage(err),
      summary: EMPTY_SUMMARY,
      diff: await worktreeDiff(meta, (m) => transcript.line(m)),
      finalizedBy: stopper.reason === "cancel" ? "cancel" : "runner",
    });
  }

  // Nothing of the task may outlive it (setup commands, or leftovers when codex never ran).
  await killTree({
    roots: [],
    tag: processTagOf(meta),
    spare: [process.pid],
    graceMs: 2000,
  });
  const won = await store.finalize(result, { patienceMs: FINALIZE_PATIENCE_MS });
  const final = won ? result : ((await store.readResult(taskId)) ?? result);
  transcript.line(
    `task ${final.status}${final.exit_code !== null ? ` (exit ${final.exit_code})` : ""} after ${formatDuration(final.elapsed_seconds)}${final.usage ? ` · ${describeUsage(final.usage)}` : ""}`,
  );
  if (final.error) transcript.line(`error: ${final.error}`);
  if (final.diff_stat !== undefined)
    transcript.line(`diff: ${final.diff_stat || "no changes"} · ${final.commits_ahead ?? 0} commit(s) ahead`);
  await transcript.close();
  await hooks.afterFinalize?.(ctx).catch(() => undefined);
  return final;
}

class StoppedBeforeCodex extends Error {}

/**
 * What this task needs besides Codex, loaded only when needed: every task pays the runner's
 * start-up time, and most need neither setup commands nor the read-only audit.
 */
async function taskHooks(meta: TaskMeta, taskDir: string): Promise<RunnerHooks[]> {
  const hooks: RunnerHooks[] = [];
  if (meta.setup && meta.setup.length > 0) hooks.push((await import("./setup.js")).setupHooks(meta));
  if (meta.readonly_fallback)
    hooks.push((await import("../audit/fallback.js")).readonlyFallbackHooks(meta, taskDir));
  return hooks;
}

/** Several hook sets as one: each phase runs them in order; afterCodex facts are merged. */
export function combineHooks(all: readonly RunnerHooks[]): RunnerHooks {
  return {
    beforeCodex: async (ctx) => {
      for (const h of all) await h.beforeCodex?.(ctx);
    },
    afterCodex: async (ctx, outcome) => {
      let facts: { audit?: unknown } = {};
      for (const h of all) facts = { ...facts, ...((await h.afterCodex?.(ctx, outcome)) ?? {}) };
      return facts;
    },
    afterFinalize: async (ctx) => {
      for (const h of all) await h.afterFinalize?.(ctx);
    },
  };
}
