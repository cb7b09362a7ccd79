import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBinEnvVar } from "../../src/core/agent-names.js";
import type { ScriptedAgent } from "../../src/e2e/agent-homes.js";
import { type AgentName as Installable, installedAgent, makeAgentHomes, removeAgentHomes } from "./agents.js";
import { McpSession } from "./mcp.js";
import { gitIn, ROOT, Sandbox } from "./sandbox.js";
import { processesOf, until, untilEnded } from "./wait.js";

export type SuiteAgent = ScriptedAgent | "cursor";

/** What a scripted turn does: the commands to run in order, then the answer. */
interface Turn {
  readonly run?: readonly string[];
  readonly say: string;
  readonly hang?: boolean;
  /** The model refuses the request with this HTTP status (auth failure). */
  readonly fail?: number;
}

const CURSOR_FAKE = path.join(ROOT, "test/fixtures/bin/cursor-agent");
/** Agents are slow under load (opencode and Qwen take ~50 s a turn on a busy 2-core machine). */
const TURN_MS = 240_000;

/**
 * The same orchestrator cycle, for one agent, through the built server and the real agent CLI
 * (driven by the scripted model on 127.0.0.1; Cursor by its documented stand-in): a full-access
 * dispatch that commits in its worktree (waited for with codex_wait), a reply that resumes the
 * session, codex_diff and codex_merge of that work, a read-only run that
 * cannot write, a cancel that leaves nothing running, a server SIGKILL with the true outcome
 * after a restart, and an auth failure that fails with its cause.
 */
export function agentSuite(agent: SuiteAgent): void {
  describe(`${agent} through codexmcp`, () => {
    let sb: Sandbox;
    let homes: string;
    let extra: NodeJS.ProcessEnv;
    let mcp: McpSession;
    let turns = 0;

    /** A prompt for `turn`: a script for the scripted model, or directives for the Cursor stand-in. */
    function prompt(turn: Turn): string {
      if (agent === "cursor") {
        if (turn.fail) return `Please work.\nFAIL: Error: unauthorized (status ${turn.fail})\n`;
        const lines = [...(turn.run ?? []).map((c) => `RUN: ${c}`), turn.hang ? "HANG" : `SAY: ${turn.say}`];
        return `Please work.\n${lines.join("\n")}\n`;
      }
      const name = `${agent}-turn-${++turns}`;
      if (turn.fail) sb.model.script(name, [{ fail: turn.fail, message: "invalid api key" }]);
      else if (turn.hang) sb.model.script(name, [...(turn.run ?? []).map((sh) => ({ sh })), { hang: true }]);
      else sb.model.script(name, [...(turn.run ?? []).map((sh) => ({ sh })), { say: turn.say }]);
      return `[[script:${name}]] Please work.\n`;
    }

    async function dispatch(topic: string, sandbox: string, turn: Turn): Promise<string> {
      return (await dispatchWithCursor(topic, sandbox, turn)).taskId;
    }

    async function dispatchWithCursor(
      topic: string,
      sandbox: string,
      turn: Turn,
    ): Promise<{ taskId: string; cursor: string }> {
      const d = await mcp.ok("codex_dispatch", { agent, prompt: prompt(turn), cwd: sb.repo, topic, sandbox });
      expect(d.agent).toBe(agent);
      return { taskId: String(d.task_id), cursor: String(d.cursor) };
    }

    /** codex_wait from the dispatch's cursor until the task ends, as an orchestrator waits. */
    async function waitEnded(taskId: string, cursor: string): Promise<Record<string, unknown>> {
      const deadline = Date.now() + TURN_MS;
      let at = cursor;
      while (Date.now() < deadline) {
        const w = await mcp.ok(
          "codex_wait",
          { task_ids: [taskId], cursor: at, timeout_seconds: 60 },
          { timeoutMs: 90_000 },
        );
        if (w.status !== "timeout") return w.task as Record<string, unknown>;
        at = String(w.cursor);
      }
      throw new Error(`${taskId} did not end in ${TURN_MS} ms`);
    }

    beforeAll(async () => {
      sb = await Sandbox.create();
      homes = await makeAgentHomes(`suite-${agent}`);
      const home = path.join(homes, "home");
      if (agent === "cursor") {
        extra = { HOME: home, [agentBinEnvVar("cursor")]: CURSOR_FAKE };
      } else {
        const installed = await installedAgent(agent as Installable);
        const env = await sb.model.agentEnv(agent, home, {
          ...(installed.pkgCacheHome ? { copilotPkgCacheHome: installed.pkgCacheHome } : {}),
        });
        extra = { ...env, [agentBinEnvVar(agent)]: installed.bin };
      }
      await fsp.mkdir(home, { recursive: true });
      mcp = await McpSession.start(sb.env(extra));
    }, TURN_MS);

    afterAll(async () => {
      await mcp?.close();
      await sb?.dispose();
      if (homes) await removeAgentHomes(homes);
    });

    let first = "";
    let firstSession = "";
    let replyTask = "";

    it(
      "full access: commits in its own worktree; diff stats, session, answer and normalized events",
      async () => {
        const d = await dispatchWithCursor(`implement-${agent}_work-v1`, "full-access", {
          run: ["echo hi > a.txt && git add a.txt && git commit -qm agent-commit"],
          say: `Committed for ${agent}.`,
        });
        first = d.taskId;
        const done = await waitEnded(first, d.cursor);
        expect(done).toMatchObject({
          status: "completed",
          success: true,
          agent,
          result: `Committed for ${agent}.`,
          commits_ahead: 1,
          files_changed: 1,
          agent_branch: `agent/implement-${agent}_work`,
        });
        firstSession = String(done.session_id);
        expect(firstSession).not.toBe("null");
        expect(gitIn(String(done.worktree_dir), "log", "-1", "--format=%s")).toBe("agent-commit");
        expect(gitIn(sb.repo, "log", "-1", "--format=%s")).toBe("initial");

        const page = await mcp.ok("codex_events", {
          task_id: first,
          view: "normalized",
          limit: 500,
          truncate: 0,
        });
        const events = (page.events as { event: Record<string, unknown> }[]).map((e) => e.event);
        expect(events).toContainEqual(expect.objectContaining({ kind: "session", session_id: firstSession }));
        expect(events).toContainEqual(
          expect.objectContaining({
            kind: "command",
            phase: "completed",
            command: expect.stringContaining("git commit"),
          }),
        );
        expect(events.some((e) => e.kind === "message" && e.text === `Committed for ${agent}.`)).toBe(true);
      },
      TURN_MS,
    );

    it(
      "a reply resumes the same session in the same worktree",
      async () => {
        expect(first).not.toBe("");
        const r = await mcp.ok("codex_reply", {
          task_id: first,
          prompt: prompt({
            run: ["echo again >> a.txt && git commit -qam again"],
            say: `Again for ${agent}.`,
          }),
        });
        expect(r.replied_to).toBe(first);
        const done = await untilEnded(mcp, String(r.task_id), TURN_MS);
        expect(done).toMatchObject({
          status: "completed",
          agent,
          result: `Again for ${agent}.`,
          commits_ahead: 2,
        });
        expect(done.session_id).toBe(firstSession);
        replyTask = String(r.task_id);
      },
      TURN_MS,
    );

    it(
      "the orchestrator's cycle ends alike for every agent: codex_diff shows the work, codex_merge lands it",
      async () => {
        expect(replyTask).not.toBe("");
        const diff = await mcp.ok("codex_diff", { task_id: replyTask });
        expect(diff.files).toEqual([expect.objectContaining({ path: "a.txt" })]);
        expect(String(diff.patch)).toMatch(/\+hi\n\+again(\n|$)/);
        const m = await mcp.ok("codex_merge", { task_id: replyTask, strategy: "merge" });
        expect(m.merged).toBe(true);
        expect(gitIn(sb.repo, "show", "HEAD:a.txt")).toBe("hi\nagain");
        expect(gitIn(sb.repo, "log", "--format=%s", "-3").split("\n")).toEqual(
          expect.arrayContaining(["again", "agent-commit"]),
        );
        expect(gitIn(sb.repo, "status", "--porcelain")).toBe("");
      },
      TURN_MS,
    );

    it(
      "read-only: the agent cannot write, and the result says how read-only was enforced",
      async () => {
        const canary = path.join(sb.repo, "ro-canary.txt");
        const id = await dispatch(`review-${agent}_ro-v1`, "read-only", {
          run: [`echo leaked > ${canary}`],
          say: "Reviewed.",
        });
        const done = await untilEnded(mcp, id, TURN_MS);
        expect(["completed", "failed"]).toContain(done.status);
        expect(existsSync(canary)).toBe(false);
        expect(gitIn(sb.repo, "status", "--porcelain")).toBe("");
        expect(done.readonly_enforcement).toBe(agent === "codex" ? "sandbox" : "deny-tools");
      },
      TURN_MS,
    );

    it(
      "cancel stops the agent and everything it started",
      async () => {
        const id = await dispatch(`implement-${agent}_cancel-v1`, "full-access", {
          // A wait that every agent runs (Claude Code refuses a bare `sleep 600`).
          run: [`while [ ! -e ${path.join(homes, "never")} ]; do sleep 0.2; done`],
          say: "never",
          hang: true,
        });
        await until("the agent to run", async () => processesOf(id).length > 1, TURN_MS);
        const c = await mcp.ok("codex_cancel", { task_id: id });
        expect(c.status).toBe("cancelled");
        await until("no process of the task", async () => processesOf(id).length === 0, 30_000);
      },
      TURN_MS,
    );

    it(
      "a server killed mid-task: a new server reports the true outcome",
      async () => {
        const go = path.join(homes, `go-${agent}`);
        const id = await dispatch(`implement-${agent}_survive-v1`, "full-access", {
          run: [
            `while [ ! -e ${go} ]; do sleep 0.1; done; echo s > s.txt && git add s.txt && git commit -qm survived`,
          ],
          say: `Survived for ${agent}.`,
        });
        await until("the agent to run", async () => processesOf(id).length > 1, TURN_MS);
        process.kill(mcp.pid ?? -1, "SIGKILL");
        await mcp.close();
        mcp = await McpSession.start(sb.env(extra));
        expect((await mcp.ok("codex_status", { task_id: id })).status).toBe("running");
        await fsp.writeFile(go, "");
        const done = await untilEnded(mcp, id, TURN_MS);
        expect(done).toMatchObject({
          status: "completed",
          result: `Survived for ${agent}.`,
          commits_ahead: 1,
        });
      },
      TURN_MS,
    );

    it(
      "an auth failure fails the task with its cause in words",
      async () => {
        const id = await dispatch(`review-${agent}_auth-v1`, "read-only", { say: "never", fail: 401 });
        const done = await untilEnded(mcp, id, TURN_MS);
        expect(done.status).toBe("failed");
        expect(String(done.error)).toMatch(/not logged in or its credentials were refused/);
      },
      TURN_MS,
    );
  });
}
