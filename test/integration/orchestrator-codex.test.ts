import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { UserMachine } from "../helpers/user-machine.js";
import { until, untilEnded } from "../helpers/wait.js";

/**
 * Codex sends its first model request without waiting for its MCP servers; a first command
 * gives codexmcp time to start, so the next request offers its tools.
 */
const WARM_UP = { sh: "sleep 3" } as const;

interface Run {
  readonly code: number | null;
  readonly events: Record<string, unknown>[];
}

/**
 * The real Codex CLI as the orchestrator, headless (`codex exec`), with codexmcp registered by
 * `codexmcp install codex` in its ~/.codex/config.toml. The scripted model makes it call our tools
 * (after a first command, so Codex has loaded its MCP servers).
 */
describe("Codex as the orchestrator (headless codex exec)", () => {
  let m: UserMachine;
  let store: McpSession;

  beforeAll(async () => {
    m = await UserMachine.create("orchestrator");
    m.model.script("work", [
      { sh: "printf 'x\\n' > x.txt && git add x.txt && git commit -qm x" },
      { say: "worker done" },
    ]);
    m.model.script("slow", [{ sh: "sleep 8" }, { say: "slow work done" }]);
    m.model.script("slower", [{ sh: "sleep 25" }, { say: "not interrupted" }]);
    store = await McpSession.start({
      ...m.shellEnv(),
      CODEXMCP_HOME: `${m.home}/.codexmcp`,
      CODEXMCP_TMUX_SOCKET: m.socket,
    });
  });
  afterAll(async () => {
    await store?.close();
    await m?.dispose();
  });

  function orchestrate(script: string, onStart?: (child: ChildProcess) => void): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        m.bin.concat("/codex"),
        ["exec", "--json", "--skip-git-repo-check", "-C", m.repo, "-s", "workspace-write", "-"],
        { env: m.shellEnv(), stdio: ["pipe", "pipe", "pipe"] },
      );
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString("utf8");
      });
      child.stderr?.resume();
      child.stdin?.end(`[[script:${script}]]`);
      child.once("error", reject);
      child.once("exit", (code) =>
        resolve({
          code,
          events: out
            .split("\n")
            .filter((l) => l.startsWith("{"))
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        }),
      );
      onStart?.(child);
    });
  }

  /** Our tools Codex called (completed items; started ones for a run that was interrupted). */
  function toolCalls(run: Run): Record<string, unknown>[] {
    const byId = new Map<unknown, Record<string, unknown>>();
    for (const e of run.events) {
      const item = e.item as Record<string, unknown> | undefined;
      if (item?.type !== "mcp_tool_call") continue;
      if (e.type === "item.completed" || !byId.has(item.id)) byId.set(item.id, item);
    }
    const calls = [...byId.values()];
    if (calls.length === 0) throw new Error(`Codex called no tool of ours: ${JSON.stringify(run.events)}`);
    return calls;
  }

  const install = async (...flags: string[]) => {
    const r = await m.codexmcp(["install", "codex", "--env", `CODEXMCP_TMUX_SOCKET=${m.socket}`, ...flags]);
    expect(r.exitCode, r.stderr).toBe(0);
    return r;
  };

  it("without --approve-tools headless Codex refuses codex_dispatch, as the install note says", async () => {
    const r = await install();
    expect(r.stdout).toContain("requires approval, but approval policy is never");
    m.model.script("orch-refused", [
      WARM_UP,
      {
        call: "codex_dispatch",
        namespace: "mcp__codex",
        args: {
          prompt: "[[script:work]]",
          cwd: m.repo,
          topic: "implement-refused-v1",
          sandbox: "full-access",
        },
      },
      { say: "could not" },
    ]);
    const run = await orchestrate("orch-refused");
    const [call] = toolCalls(run);
    expect(call).toMatchObject({ tool: "codex_dispatch", status: "failed" });
    expect(JSON.stringify(call?.error)).toContain("requires approval");
  });

  it("with --approve-tools it dispatches a task, which completes, and whose own Codex has no codexmcp", async () => {
    await install("--approve-tools");
    m.model.script("orch-dispatch", [
      WARM_UP,
      {
        call: "codex_dispatch",
        namespace: "mcp__codex",
        args: {
          prompt: "[[script:work]]",
          cwd: m.repo,
          topic: "implement-orch_dispatch-v1",
          sandbox: "full-access",
        },
      },
      { say: "dispatched" },
    ]);
    const run = await orchestrate("orch-dispatch");
    expect(run.code).toBe(0);
    const [call] = toolCalls(run);
    expect(call).toMatchObject({ tool: "codex_dispatch", status: "completed" });
    const s = await untilEnded(store, "codex-implement-orch_dispatch-v1", 120_000);
    expect(s).toMatchObject({ status: "completed", result: "worker done", commits_ahead: 1 });
    const worker = m.model.requests.filter((r) => r.script === "work");
    expect(worker.length).toBeGreaterThan(0);
    for (const r of worker) expect(JSON.stringify(r.body.tools)).not.toContain("codex_dispatch");
  });

  it("Codex's tool timeout ends its blocking codex call, not the task; the outcome records why", async () => {
    await install("--approve-tools", "--tool-timeout", "4");
    m.model.script("orch-timeout", [
      WARM_UP,
      {
        call: "codex",
        namespace: "mcp__codex",
        args: {
          prompt: "[[script:slow]]",
          cwd: m.repo,
          topic: "review-orch_timeout-v1",
          sandbox: "read-only",
        },
      },
      { say: "gave up waiting" },
    ]);
    const run = await orchestrate("orch-timeout");
    const [call] = toolCalls(run);
    expect(JSON.stringify(call?.error)).toContain("timed out awaiting tools/call after 4s");
    const s = await untilEnded(store, "codex-review-orch_timeout-v1", 120_000);
    expect(s).toMatchObject({ status: "completed", result: "slow work done" });
    expect(String(s.call_ended)).toMatch(
      /at the client's tool-call timeout \(4s\) \(the client said: MCP request cancelled by caller\); the task goes on/,
    );
  });

  it("a person interrupting Codex during its blocking codex call cancels the task, saying who did", async () => {
    await install("--approve-tools", "--tool-timeout", "600");
    m.model.script("orch-interrupt", [
      WARM_UP,
      {
        call: "codex",
        namespace: "mcp__codex",
        args: {
          prompt: "[[script:slower]]",
          cwd: m.repo,
          topic: "review-orch_interrupt-v1",
          sandbox: "read-only",
        },
      },
      { say: "interrupted" },
    ]);
    const run = await orchestrate("orch-interrupt", (child) => {
      // Once the task's own Codex is at work (its model has been asked), as a person would.
      void until(
        "the task's Codex to run",
        async () => m.model.requests.some((r) => r.script === "slower"),
        60_000,
      ).then(() => child.kill("SIGINT"));
    });
    expect(toolCalls(run)[0]).toMatchObject({ tool: "codex" });
    const s = await untilEnded(store, "codex-review-orch_interrupt-v1", 90_000);
    expect(s.status).toBe("cancelled");
    expect(s.error).toBe(
      "cancelled by the client: it cancelled the blocking codex call (reason: MCP request cancelled by caller).",
    );
  });
});
