import { createHmac } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";
import { deadUrl, receiver } from "../helpers/webhook-receiver.js";

describe("webhook notifications when a task ends (config.yaml notify:)", () => {
  let sb: Sandbox;
  const SECRET = "a-shared-secret-of-some-length";
  const sessions: McpSession[] = [];

  async function configure(url: string, extra = ""): Promise<void> {
    await fsp.mkdir(sb.home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(
      path.join(sb.home, "config.yaml"),
      `notify:\n  desktop: false\n  webhook:\n    url: "${url}"\n    secret: "${SECRET}"\n${extra}`,
      { mode: 0o600 },
    );
  }
  async function server(): Promise<McpSession> {
    const s = await McpSession.start(sb.env());
    sessions.push(s);
    return s;
  }
  async function runTask(mcp: McpSession, topic: string, script: string) {
    const d = await mcp.ok("codex_dispatch", {
      prompt: `[[script:${script}]]`,
      cwd: sb.repo,
      topic,
      sandbox: "full-access",
    });
    return untilEnded(mcp, String(d.task_id));
  }
  async function deliveries(): Promise<Record<string, unknown>[]> {
    const text = await fsp.readFile(path.join(sb.home, "notify", "deliveries.jsonl"), "utf8").catch(() => "");
    return text
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n" });
    sb.model.script("edit", [
      { sh: "printf 'one\\ntwo\\n' > notes.txt && git add notes.txt && git commit -qm notes" },
      { say: "wrote notes" },
    ]);
  });
  afterAll(async () => {
    for (const s of sessions) await s.close().catch(() => undefined);
    await sb?.dispose();
  });

  it("POSTs the ending as signed JSON once, even with two servers running, and never shows the URL", async () => {
    const hook = await receiver();
    await configure(hook.url);
    const a = await server();
    const b = await server();
    const ended = await runTask(a, "implement-hooked-v1", "edit");
    expect(ended.status).toBe("completed");
    const got = await until("the webhook", async () => (hook.got.length > 0 ? hook.got : undefined), 30_000);
    const body = JSON.parse(got[0]?.body ?? "{}") as Record<string, unknown>;
    expect(body).toMatchObject({
      event: "task.ended",
      task_id: "codex-implement-hooked-v1",
      status: "completed",
      success: true,
      agent: "codex",
      agent_branch: "agent/implement-hooked",
      diff: { files_changed: 1, insertions: 2, deletions: 0, commits_ahead: 1 },
    });
    expect(String(body.text)).toContain("codex-implement-hooked-v1 completed");
    expect(got[0]?.headers["content-type"]).toBe("application/json");
    expect(got[0]?.headers["x-codexmcp-signature"]).toBe(
      `sha256=${createHmac("sha256", SECRET)
        .update(got[0]?.body ?? "")
        .digest("hex")}`,
    );
    // Both servers follow the journal; the ending goes out once.
    await new Promise((r) => setTimeout(r, 3000));
    expect(hook.got.filter((g) => g.body.includes("codex-implement-hooked-v1"))).toHaveLength(1);
    expect((await deliveries()).filter((d) => d.task_id === "codex-implement-hooked-v1")).toEqual([
      expect.objectContaining({ channel: "webhook", ok: true, attempts: 1, http_status: 200 }),
    ]);
    // The URL (its token) and the secret are nowhere but config.yaml: not in the logs, not in the
    // task's files, not in a task's environment.
    const taskFiles = await fsp.readdir(sb.taskDir("codex-implement-hooked-v1"));
    const texts = [...a.stderr, ...b.stderr, JSON.stringify(await deliveries())];
    for (const f of taskFiles) {
      const st = await fsp.stat(path.join(sb.taskDir("codex-implement-hooked-v1"), f));
      if (st.isFile())
        texts.push(await fsp.readFile(path.join(sb.taskDir("codex-implement-hooked-v1"), f), "utf8"));
    }
    for (const t of texts) {
      expect(t).not.toContain("T0K3N");
      expect(t).not.toContain(SECRET);
    }
    for (const s of [a, b]) await s.close();
    await hook.close();
  });

  it("a receiver that is down: retried, logged, the task unaffected, and the next ending still goes out", async () => {
    await configure(await deadUrl(), "    retries: 2\n");
    const mcp = await server();
    const ended = await runTask(mcp, "implement-down-v1", "edit");
    expect(ended.status).toBe("completed");
    const failed = await until(
      "the failed delivery",
      async () => (await deliveries()).find((d) => d.task_id === "codex-implement-down-v1"),
      60_000,
    );
    expect(failed).toMatchObject({ channel: "webhook", ok: false, attempts: 3, error: "ECONNREFUSED" });
    // The log line follows the record: wait for it.
    await until("the warning in the log", async () =>
      /webhook notification for codex-implement-down-v1 failed after 3 attempt\(s\): ECONNREFUSED/.test(
        mcp.stderr.join(""),
      ),
    );
    expect(mcp.stderr.join("")).not.toContain("T0K3N");
    // The task's outcome is what it was.
    expect((await mcp.ok("codex_status", { task_id: "codex-implement-down-v1" })).status).toBe("completed");
    await mcp.close();

    // A receiver that fails once (503) and then takes it: delivered on the second attempt.
    const flaky = await receiver([503]);
    await configure(flaky.url, "    retries: 2\n");
    const again = await server();
    await runTask(again, "implement-flaky-v1", "edit");
    await until(
      "the retried delivery",
      async () => (await deliveries()).find((d) => d.task_id === "codex-implement-flaky-v1"),
      30_000,
    );
    expect((await deliveries()).find((d) => d.task_id === "codex-implement-flaky-v1")).toMatchObject({
      ok: true,
      attempts: 2,
    });
    expect(flaky.got).toHaveLength(2);
    // The ending the dead receiver missed is not sent again (it was logged as failed).
    expect(flaky.got.some((g) => g.body.includes("codex-implement-down-v1"))).toBe(false);
    await again.close();
    await flaky.close();
  });
});
