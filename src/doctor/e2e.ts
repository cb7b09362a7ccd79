import { promises as fsp } from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { execa } from "execa";
import { loadDriver } from "../agents/registry.js";
import { type AgentName, agentBinEnvVar } from "../core/agent-names.js";
import type { ScriptedAgent } from "../e2e/agent-homes.js";
import { ScriptedModel } from "../e2e/scripted-model.js";
import { errorMessage } from "../util/errors.js";
import { packageFile } from "../util/package-file.js";
import { which } from "../util/which.js";
import type { ServerLaunch } from "./client-server.js";
import { call, roundTrip, scriptable, withoutCredentials } from "./e2e-agents.js";

export interface E2eStep {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly detail: string;
  /** Not run, and not a failure (an agent that cannot run offline). */
  readonly skipped?: boolean;
}

/** An installed agent CLI: its name and executable. */
export interface E2eAgent {
  readonly name: AgentName;
  readonly bin: string;
}

const IDENTITY = {
  GIT_AUTHOR_NAME: "codexmcp doctor",
  GIT_AUTHOR_EMAIL: "doctor@codexmcp.invalid",
  GIT_COMMITTER_NAME: "codexmcp doctor",
  GIT_COMMITTER_EMAIL: "doctor@codexmcp.invalid",
};

async function gitIn(cwd: string, ...args: string[]): Promise<string> {
  const r = await execa("git", args, { cwd, env: { ...process.env, ...IDENTITY }, stdin: "ignore" });
  return String(r.stdout).trim();
}

/**
 * A real end-to-end run on this machine, touching nothing of the user's: a scripted model on
 * 127.0.0.1 stands in for OpenAI (no account, no tokens), everything lives in a scratch
 * directory under `scratchParent` (never the temp dir: Codex will not set up its helpers when
 * CODEX_HOME is there), and tmux runs on a private socket. The real codex, git and tmux do the
 * work, through this build's own MCP server over stdio — or, with `server`, the server exactly as
 * a client registered it (its command, args and environment).
 */
export async function runE2e(opts: {
  /** Every installed agent; the product's cycle runs on `cycleAgent`, each other one does a round trip. */
  agents: readonly E2eAgent[];
  cycleAgent: ScriptedAgent;
  tmuxBin: string;
  scratchParent: string;
  server?: ServerLaunch | undefined;
  onStep: (step: E2eStep) => void;
}): Promise<boolean> {
  await fsp.mkdir(opts.scratchParent, { recursive: true, mode: 0o700 });
  const root = await fsp.realpath(await fsp.mkdtemp(path.join(opts.scratchParent, "e2e-")));
  const socket = `codexmcp-e2e-${process.pid}`;
  const model = new ScriptedModel();
  let client: Client | undefined;
  let allOk = true;
  let cycleOk = true;
  /** A step of the product's cycle runs only while the cycle holds; an agent's round trip after it, alone. */
  const step = async (name: string, fn: () => Promise<string>, own = false): Promise<void> => {
    if (!cycleOk) return;
    const started = Date.now();
    try {
      const detail = await fn();
      opts.onStep({ name, ok: true, ms: Date.now() - started, detail });
    } catch (err) {
      allOk = false;
      if (!own) cycleOk = false;
      opts.onStep({ name, ok: false, ms: Date.now() - started, detail: errorMessage(err) });
    }
  };
  const cycle = opts.cycleAgent;
  const repo = path.join(root, "demo-repo");
  let taskId = "";
  let cursor = "";
  try {
    await step("scripted model on 127.0.0.1", async () => {
      await model.start();
      model.script("review", [
        { sh: "ls && cat README.md" },
        { say: "The demo repository has one README. Looks fine." },
      ]);
      model.script("implement", [
        {
          sh: "printf 'export const greet = (name: string) => \"hello \" + name;\\n' > greet.ts && git add greet.ts && git commit -qm 'add greet'",
        },
        { say: "Added greet.ts and committed it." },
      ]);
      return model.baseUrl;
    });
    await step("temporary git repository", async () => {
      await fsp.mkdir(repo);
      await gitIn(repo, "init", "-q", "-b", "main");
      await fsp.writeFile(path.join(repo, "README.md"), "# demo\n");
      await gitIn(repo, "add", "README.md");
      await gitIn(repo, "commit", "-qm", "initial");
      return repo;
    });
    await step("codexmcp MCP server over stdio", async () => {
      const bin = packageFile("dist/bin/codexmcp.js");
      if (!bin) throw new Error("dist/bin/codexmcp.js is missing: run npm run build");
      let env: Record<string, string> = {};
      if (opts.server) Object.assign(env, opts.server.env);
      else {
        for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
        env.CODEXMCP_TMUX_BIN = opts.tmuxBin;
      }
      env = await withoutCredentials(env);
      // One scratch HOME where every installed agent's settings point it at the scripted model
      // (their files and variables do not overlap); binaries as found, PATH as given.
      const home = path.join(root, "home");
      const copilotPkgCacheHome = env.COPILOT_PKG_CACHE_HOME;
      for (const agent of opts.agents) {
        if (!scriptable(agent.name)) continue;
        Object.assign(
          env,
          await model.agentEnv(agent.name, home, copilotPkgCacheHome ? { copilotPkgCacheHome } : {}),
        );
        env[agentBinEnvVar(agent.name)] = agent.bin;
        if (agent.name === "codex") env.CODEX_BIN = agent.bin;
      }
      Object.assign(env, IDENTITY, {
        CODEXMCP_HOME: path.join(root, "state"),
        CODEXMCP_AGENT: cycle,
        CODEXMCP_TMUX_SOCKET: socket,
        CODEXMCP_READONLY_FALLBACK: "0",
      });
      client = new Client({ name: "codexmcp-doctor", version: "1" });
      await client.connect(
        new StdioClientTransport({
          command: opts.server?.command ?? process.execPath,
          args: opts.server ? [...opts.server.args] : [bin],
          env,
          stderr: "ignore",
        }),
      );
      const { tools } = await client.listTools();
      return `${tools.length} tools: ${tools.map((t) => t.name).join(", ")}`;
    });
    await step(`read-only review (${cycle}, blocking codex tool)`, async () => {
      const r = await call(client as Client, "codex", {
        prompt: "Review the repository [[script:review]]",
        cwd: repo,
        topic: "review-doctor-v1",
        sandbox: "read-only",
      });
      if (r.status !== "completed") throw new Error(`status ${String(r.status)}: ${String(r.error)}`);
      if (typeof r.session_id !== "string") throw new Error("no session id in the result");
      return `"${String(r.result)}" (session ${r.session_id.slice(0, 13)}…)`;
    });
    await step("full-access task in a worktree + tmux (codex_dispatch)", async () => {
      const d = await call(client as Client, "codex_dispatch", {
        prompt: "Add a greet function [[script:implement]]",
        cwd: repo,
        topic: "implement-doctor-v1",
        sandbox: "full-access",
      });
      taskId = String(d.task_id);
      cursor = String(d.cursor);
      return `${taskId} in ${String(d.worktree_dir)} (tmux -L ${socket})`;
    });
    await step("wait for it (codex_wait)", async () => {
      const w = await call(client as Client, "codex_wait", {
        task_ids: [taskId],
        cursor,
        timeout_seconds: 120,
      });
      const task = w.task as Record<string, unknown> | undefined;
      if (w.status !== "completed" || !task)
        throw new Error(`ended ${String(w.status)}: ${String(task?.error ?? w.hint)}`);
      return `${String(task.diff_stat)}, ${String(task.commits_ahead)} commit ahead`;
    });
    await step("review the patch (codex_diff)", async () => {
      const d = await call(client as Client, "codex_diff", { task_id: taskId });
      if (!String(d.patch).includes("+export const greet"))
        throw new Error("the patch does not show the new file");
      return `${(d.files as unknown[]).length} file(s), ${String(d.patch_bytes)} bytes of patch`;
    });
    await step("merge into main (codex_merge)", async () => {
      const m = await call(client as Client, "codex_merge", { task_id: taskId, strategy: "merge" });
      if (!m.merged) throw new Error(String(m.hint));
      return `main is now ${String(m.base_after).slice(0, 12)}`;
    });
    await step("clean up (codex_cleanup)", async () => {
      const c = await call(client as Client, "codex_cleanup", { task_id: taskId });
      const item = (c.cleaned as Record<string, unknown>[])[0];
      if (!item?.worktree_removed || !item.branch_deleted) throw new Error(JSON.stringify(c));
      return "worktree and merged branch removed";
    });
    for (const agent of opts.agents) {
      if (agent.name === cycle) continue;
      if (!scriptable(agent.name)) {
        opts.onStep({
          name: `${agent.name}: round trip`,
          ok: true,
          skipped: true,
          ms: 0,
          detail: `not run: ${(await loadDriver(agent.name)).label} runs its models only in its vendor's backend, so it cannot run against the scripted model`,
        });
        continue;
      }
      await step(
        `${agent.name}: full-access round trip (codex_dispatch → codex_wait)`,
        () => roundTrip(client as Client, model, repo, agent.name),
        true,
      );
    }
  } finally {
    await client?.close().catch(() => undefined);
    await model.stop().catch(() => undefined);
    if (which(opts.tmuxBin))
      await execa(opts.tmuxBin, ["-L", socket, "kill-server"], { reject: false, stdin: "ignore" });
    await fsp.rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
  return allOk;
}
