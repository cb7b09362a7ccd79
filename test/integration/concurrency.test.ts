import { promises as fsp } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox } from "../helpers/sandbox.js";
import { untilEnded } from "../helpers/wait.js";

describe("concurrent dispatches into one repository", () => {
  let sb: Sandbox;
  let a: McpSession;
  let b: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("touch", [
      { sh: 'echo "$CODEXMCP_TASK_ID" > owner.txt && git add owner.txt && git commit -qm owner' },
      { say: "ok" },
    ]);
    a = await McpSession.start(sb.env());
    b = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sb?.dispose();
  });

  it("six full-access dispatches from two servers at once all start, each in its own worktree, and finish", async () => {
    const topics = Array.from({ length: 6 }, (_, i) => `implement-par${i}-v1`);
    const results = await Promise.all(
      topics.map((topic, i) =>
        (i % 2 ? a : b).call("codex_dispatch", {
          prompt: "[[script:touch]]",
          cwd: sb.repo,
          topic,
          sandbox: "full-access",
        }),
      ),
    );
    for (const r of results) expect(r.isError, r.text).toBe(false);
    const worktrees = new Set(results.map((r) => r.data.worktree_dir));
    expect(worktrees.size).toBe(6);
    for (const [i, topic] of topics.entries()) {
      const s = await untilEnded(a, `codex-${topic}`);
      expect(s).toMatchObject({ status: "completed", commits_ahead: 1 });
      expect((await fsp.readFile(`${String(s.worktree_dir)}/owner.txt`, "utf8")).trim()).toBe(
        `codex-${topic}`,
      );
      expect(gitIn(sb.repo, "rev-parse", "--verify", `agent/implement-par${i}`)).toMatch(/^[0-9a-f]{40}$/);
    }
    expect(gitIn(sb.repo, "worktree", "list").split("\n")).toHaveLength(7);
  });

  it("the same topic dispatched by two servers at once runs once; the other is refused", async () => {
    const both = await Promise.all(
      [a, b].map((s) =>
        s.call("codex_dispatch", {
          prompt: "[[script:touch]]",
          cwd: sb.repo,
          topic: "implement-race-v1",
          sandbox: "full-access",
        }),
      ),
    );
    const ok = both.filter((r) => !r.isError);
    const refused = both.filter((r) => r.isError);
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.text).toMatch(/still (starting|running)|in use by the running task/);
    const s = await untilEnded(a, "codex-implement-race-v1");
    expect(s.status).toBe("completed");
  });
});
