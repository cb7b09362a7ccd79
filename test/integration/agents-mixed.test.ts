import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBinEnvVar } from "../../src/core/agent-names.js";
import { installedAgent, makeAgentHomes, removeAgentHomes } from "../helpers/agents.js";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox } from "../helpers/sandbox.js";
import { untilEnded } from "../helpers/wait.js";

/**
 * Agents side by side on one server: a default agent chosen by the server or the repository, a
 * reply handed to another agent in the same worktree, and the refusals that keep sessions and
 * sandboxes honest.
 */
describe("several agents on one server", () => {
  let sb: Sandbox;
  let homes: string;
  let extra: NodeJS.ProcessEnv;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create();
    homes = await makeAgentHomes("mixed");
    const claude = await installedAgent("claude");
    // One HOME for both: Codex's config lives in CODEX_HOME (the sandbox's), Claude's under HOME.
    extra = {
      ...(await sb.model.agentEnv("claude", path.join(homes, "home"))),
      CODEX_HOME: sb.codexHome,
      [agentBinEnvVar("claude")]: claude.bin,
    };
    sb.model.script("codex-commit", [
      { sh: "echo one > one.txt && git add one.txt && git commit -qm by-codex" },
      { say: "Codex committed." },
    ]);
    sb.model.script("claude-commit", [
      { sh: "echo two > two.txt && git add two.txt && git commit -qm by-claude" },
      { say: "Claude committed." },
    ]);
    mcp = await McpSession.start(sb.env(extra));
  });

  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
    if (homes) await removeAgentHomes(homes);
  });

  it("a reply with another agent starts that agent's own session in the same worktree", async () => {
    const first = await mcp.ok("codex_dispatch", {
      prompt: "[[script:codex-commit]]",
      cwd: sb.repo,
      topic: "implement-handover-v1",
      sandbox: "full-access",
    });
    expect(first.agent).toBe("codex");
    const codexDone = await untilEnded(mcp, String(first.task_id));
    expect(codexDone).toMatchObject({ status: "completed", agent: "codex", commits_ahead: 1 });

    const reply = await mcp.ok("codex_reply", {
      task_id: first.task_id,
      agent: "claude",
      prompt: "[[script:claude-commit]]",
    });
    expect(reply).toMatchObject({ agent: "claude", task_id: "codex-implement-handover-v2" });
    expect(reply.resume_session_id).toBeUndefined();
    const claudeDone = await untilEnded(mcp, String(reply.task_id), 240_000);
    expect(claudeDone).toMatchObject({ status: "completed", agent: "claude", commits_ahead: 2 });
    expect(claudeDone.worktree_dir).toBe(codexDone.worktree_dir);
    expect(claudeDone.session_id).not.toBe(codexDone.session_id);
    expect(gitIn(String(claudeDone.worktree_dir), "log", "--format=%s", "-2")).toBe("by-claude\nby-codex");

    // A Codex session cannot be resumed by Claude Code, and the sentence says what to do instead.
    const wrong = await mcp.call("codex_dispatch", {
      agent: "claude",
      prompt: "continue",
      cwd: sb.repo,
      topic: "implement-handover-v3",
      sandbox: "full-access",
      session_id: codexDone.session_id,
    });
    expect(wrong.isError).toBe(true);
    expect(wrong.text).toContain(`is a codex session (task ${first.task_id}); Claude Code cannot resume it`);
    expect(wrong.text).toContain('Pass agent: "codex" to continue it');
    const right = await mcp.ok("codex_dispatch", {
      agent: "codex",
      prompt: "[[script:codex-commit]] again",
      cwd: sb.repo,
      topic: "implement-handover-v3",
      sandbox: "full-access",
      session_id: codexDone.session_id,
    });
    expect(right.resume_session_id).toBe(codexDone.session_id);
    await untilEnded(mcp, String(right.task_id));
  }, 300_000);

  it("workspace-write is refused for an agent without such a sandbox, with what to use instead", async () => {
    const r = await mcp.call("codex_dispatch", {
      agent: "claude",
      prompt: "x",
      cwd: sb.repo,
      topic: "implement-nows-v1",
      sandbox: "workspace-write",
    });
    expect(r.isError).toBe(true);
    expect(r.text).toContain("Claude Code has no sandbox that confines writes to the worktree");
    expect(r.text).toContain('use sandbox "full-access"');
    const unknown = await mcp.call("codex_dispatch", {
      agent: "aider",
      prompt: "x",
      cwd: sb.repo,
      topic: "implement-nows-v1",
      sandbox: "read-only",
    });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain(
      "agent must be one of codex, claude, gemini, opencode, copilot, qwen, cursor",
    );
  });

  it("the default agent comes from the repository's .codexmcp.yaml, then the server's CODEXMCP_AGENT", async () => {
    const repo = await sb.newRepo("claude-repo", { ".codexmcp.yaml": "agent: claude\n" });
    const byRepo = await mcp.ok("codex_dispatch", {
      prompt: "[[script:claude-commit]]",
      cwd: repo,
      topic: "implement-byrepo-v1",
      sandbox: "full-access",
    });
    expect(byRepo.agent).toBe("claude");
    await untilEnded(mcp, String(byRepo.task_id), 240_000);

    const server = await McpSession.start(sb.env({ ...extra, CODEXMCP_AGENT: "claude" }));
    try {
      const byServer = await server.ok("codex_dispatch", {
        prompt: "[[script:claude-commit]]",
        cwd: sb.repo,
        topic: "implement-byserver-v1",
        sandbox: "full-access",
      });
      expect(byServer.agent).toBe("claude");
      const explicit = await server.ok("codex_dispatch", {
        agent: "codex",
        prompt: "[[script:codex-commit]]",
        cwd: await sb.newRepo("plain"),
        topic: "implement-explicit-v1",
        sandbox: "full-access",
      });
      expect(explicit.agent).toBe("codex");
      await untilEnded(server, String(byServer.task_id), 240_000);
      await untilEnded(server, String(explicit.task_id));
    } finally {
      await server.close();
    }
    await fsp.rm(repo, { recursive: true, force: true });
  }, 300_000);
});
