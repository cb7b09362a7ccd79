import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox, sandboxModes } from "../helpers/sandbox.js";

describe("read-only tasks with the real Codex CLI", () => {
  let sb: Sandbox;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create({ "src/app.ts": "export const answer = 42;\n", ".gitignore": "dist/\n" });
    sb.model.script("review", [
      { sh: "cat src/app.ts 2>&1 | head -5" },
      { say: "Review: the code is fine. One nit." },
    ]);
    sb.model.script("slow-review", [{ sh: "sleep 2; echo looked" }, { say: "Slow review done." }]);
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  it("lists the four tools with input and output schemas and annotations", async () => {
    const { tools } = await mcp.client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    for (const name of ["codex", "codex_dispatch", "codex_status", "codex_cancel"]) {
      expect(byName[name], name).toBeDefined();
      expect(byName[name]?.outputSchema, name).toBeDefined();
      expect(byName[name]?.annotations, name).toBeDefined();
    }
    expect(byName.codex?.inputSchema.required).toEqual(
      expect.arrayContaining(["prompt", "cwd", "topic", "sandbox"]),
    );
    expect(byName.codex_status?.annotations?.readOnlyHint).toBe(true);
  });

  it("returns the model's text, session_id and usage, with the prompt delivered byte-exact", async () => {
    const prompt = `Review src/ please [[script:review]]\nQuotes ' " \` $HOME $(echo no) and ünïcödé ✓\n\ttabs\n`;
    const r = await mcp.ok("codex", { prompt, cwd: sb.repo, topic: "review-app-v1", sandbox: "read-only" });
    expect(r.success).toBe(true);
    expect(r.status).toBe("completed");
    expect(r.task_id).toBe("codex-review-app-v1");
    expect(r.result).toBe("Review: the code is fine. One nit.");
    expect(r.exit_code).toBe(0);
    expect(String(r.session_id)).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
    expect(r.elapsed_seconds).toBeGreaterThan(0);
    expect(r.worktree_dir).toBeUndefined();
    expect(r.run_dir).toBe(sb.repo);

    const first = sb.model.requests.find((q) => q.script === "review" && q.step === 0);
    expect(first?.userText).toBe(prompt);
    expect(await fsp.readFile(path.join(sb.taskDir("codex-review-app-v1"), "prompt.md"), "utf8")).toBe(
      prompt,
    );
    // Codex really ran the command, in the read-only sandbox.
    expect(sandboxModes(first?.body).at(-1)).toBe("read-only");
    const events = await fsp.readFile(path.join(sb.taskDir("codex-review-app-v1"), "events.jsonl"), "utf8");
    expect(events).toContain("export const answer = 42;");
  });

  it("links the task directory into <cwd>/.codex-tasks, excluded via info/exclude, .gitignore untouched", async () => {
    const link = path.join(sb.repo, ".codex-tasks", "review-app-v1");
    expect(await fsp.realpath(link)).toBe(await fsp.realpath(sb.taskDir("codex-review-app-v1")));
    expect(await fsp.readFile(path.join(link, "codex-exec.log"), "utf8")).toContain(
      "Review: the code is fine.",
    );
    expect(await fsp.readFile(path.join(sb.repo, ".git/info/exclude"), "utf8")).toContain(".codex-tasks/");
    expect(await fsp.readFile(path.join(sb.repo, ".gitignore"), "utf8")).toBe("dist/\n");
    expect(gitIn(sb.repo, "status", "--porcelain")).toBe("");
  });

  it("sends progress notifications with what Codex is doing", async () => {
    const messages: string[] = [];
    const r = await mcp.ok(
      "codex",
      { prompt: "[[script:slow-review]]", cwd: sb.repo, topic: "review-slow-v1", sandbox: "read-only" },
      { onprogress: (p) => messages.push(String(p.message)) },
    );
    expect(r.result).toBe("Slow review done.");
    expect(messages.length).toBeGreaterThanOrEqual(2);
    expect(messages.some((m) => m.includes("sleep 2; echo looked"))).toBe(true);
  });

  it("dispatches a read-only task without blocking and reports it through codex_status", async () => {
    const d = await mcp.ok("codex_dispatch", {
      prompt: "[[script:slow-review]]",
      cwd: sb.repo,
      topic: "review-bg-v1",
      sandbox: "read-only",
    });
    // Not blocking: the answer comes while the task (a 2 s command) has not ended.
    expect(d).toMatchObject({ task_id: "codex-review-bg-v1", topic: "review-bg-v1" });
    expect(["starting", "running"]).toContain(d.status);
    expect(d.tmux_session).toBeUndefined();
    expect(String(d.log_file)).toMatch(/codex-exec\.log$/);

    const running = await mcp.ok("codex_status", { task_id: "codex-review-bg-v1" });
    expect(["starting", "running"]).toContain(running.status);
    expect(running.elapsed_seconds).toBeTypeOf("number");

    let final: Record<string, unknown> = running;
    for (let i = 0; i < 120 && !["completed", "failed"].includes(String(final.status)); i++) {
      await new Promise((r) => setTimeout(r, 250));
      final = await mcp.ok("codex_status", { task_id: "codex-review-bg-v1" });
    }
    expect(final).toMatchObject({ status: "completed", success: true, result: "Slow review done." });

    const list = await mcp.ok("codex_status", {});
    const ids = (list.tasks as { task_id: string }[]).map((t) => t.task_id);
    expect(ids[0]).toBe("codex-review-bg-v1");
    expect(ids).toEqual(expect.arrayContaining(["codex-review-app-v1", "codex-review-slow-v1"]));
  });
});
