import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";
import { deadUrl, receiver } from "../helpers/webhook-receiver.js";

/**
 * A task whose agent goes quiet (the scripted model takes its time to answer, so the real Codex
 * prints nothing) is told of as stalled — once per silence, across servers — and then, when it
 * ends, as ended. The task itself never waits for a notification.
 */
describe("notifications when a running task stalls (notify.stall_after)", () => {
  let sb: Sandbox;
  const sessions: McpSession[] = [];

  async function configure(url: string, extra = ""): Promise<void> {
    await fsp.mkdir(sb.home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(
      path.join(sb.home, "config.yaml"),
      `notify:\n  desktop: false\n  stall_after: 2s\n  webhook:\n    url: "${url}"\n${extra}`,
      { mode: 0o600 },
    );
  }
  async function server(): Promise<McpSession> {
    const s = await McpSession.start(sb.env());
    sessions.push(s);
    return s;
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
    // Two silences of 6 s, with output between them: two stalls.
    sb.model.script("pauses", [
      { sh: "echo first-step" },
      { sh: "echo second-step", delayMs: 6000 },
      { say: "done after two pauses", delayMs: 6000 },
    ]);
    sb.model.script("pause", [{ sh: "echo only-step" }, { say: "done after a pause", delayMs: 6000 }]);
  });
  afterAll(async () => {
    for (const s of sessions) await s.close().catch(() => undefined);
    await sb?.dispose();
  });

  it("POSTs task.stalled once per silence, with two servers looking, then task.ended", async () => {
    const hook = await receiver();
    await configure(hook.url);
    const a = await server();
    await server();
    const d = await a.ok("codex_dispatch", {
      prompt: "[[script:pauses]]",
      cwd: sb.repo,
      topic: "implement-quiet-v1",
      sandbox: "full-access",
    });
    const ended = await untilEnded(a, String(d.task_id), 120_000);
    expect(ended.status).toBe("completed");
    expect(ended.result).toBe("done after two pauses");
    await until("the ending's webhook", async () =>
      hook.bodies().some((b) => b.event === "task.ended" && b.task_id === d.task_id),
    );
    const mine = hook.bodies().filter((b) => b.task_id === d.task_id);
    const stalls = mine.filter((b) => b.event === "task.stalled");
    const shown = JSON.stringify(stalls, null, 1);
    // Each silence was looked at several times by each server, and is told of once: no two
    // stalls share a last output. (On a loaded machine Codex may also be quiet for 2 s
    // elsewhere, which is a stall too; the two long silences are there in any case.)
    expect(new Set(stalls.map((s) => s.last_output_at)).size, shown).toBe(stalls.length);
    const quietAfter = (step: string) => stalls.filter((s) => String(s.last_activity).includes(step));
    expect(quietAfter("first-step").length, shown).toBeGreaterThan(0);
    expect(quietAfter("second-step").length, shown).toBeGreaterThan(0);
    expect(mine.at(-1)?.event).toBe("task.ended");
    expect(mine.filter((b) => b.event === "task.ended")).toHaveLength(1);
    for (const s of stalls) {
      expect(s).toMatchObject({
        task_id: "codex-implement-quiet-v1",
        status: "running",
        agent: "codex",
        agent_branch: "agent/implement-quiet",
        stall_timeout_seconds: null,
      });
      expect(Number(s.idle_seconds)).toBeGreaterThanOrEqual(2);
      expect(String(s.text)).toMatch(
        /^codex-implement-quiet-v1 stalled: its agent has printed nothing for [\d.]+s/,
      );
      expect(String(s.attach_command)).toContain("attach -t codex-implement-quiet-v1");
      expect(Date.parse(String(s.last_output_at))).toBeLessThanOrEqual(Date.now());
    }
    // The second silence began after the first one's output: a later last output.
    expect(Date.parse(String(quietAfter("second-step").at(-1)?.last_output_at))).toBeGreaterThan(
      Date.parse(String(quietAfter("first-step")[0]?.last_output_at)),
    );
    const records = await until("the ending's record", async () => {
      const mine = (await deliveries()).filter((r) => r.task_id === d.task_id);
      return mine.some((r) => r.event === "task.ended") ? mine : undefined;
    });
    expect(records.map((r) => [r.event, r.status, r.ok])).toEqual([
      ...stalls.map(() => ["task.stalled", "stalled", true]),
      ["task.ended", "completed", true],
    ]);
    for (const s of sessions.splice(0)) await s.close();
    await hook.close();
  });

  it("a receiver that is down: the stall is retried and recorded, and the task goes on to its end", async () => {
    for (const s of sessions.splice(0)) await s.close();
    await configure(await deadUrl(), "    retries: 1\n");
    const mcp = await server();
    const d = await mcp.ok("codex_dispatch", {
      prompt: "[[script:pause]]",
      cwd: sb.repo,
      topic: "implement-unheard-v1",
      sandbox: "full-access",
    });
    const failed = await until(
      "the failed stall delivery",
      async () => (await deliveries()).find((r) => r.task_id === d.task_id && r.event === "task.stalled"),
      60_000,
    );
    expect(failed).toMatchObject({ channel: "webhook", ok: false, attempts: 2, error: "ECONNREFUSED" });
    // The log line follows the record: wait for it.
    await until("the warning in the log", async () =>
      /webhook stall notification for codex-implement-unheard-v1 failed after 2 attempt\(s\): ECONNREFUSED/.test(
        mcp.stderr.join(""),
      ),
    );
    const ended = await untilEnded(mcp, String(d.task_id), 120_000);
    expect(ended).toMatchObject({ status: "completed", result: "done after a pause" });
    await until("the ending's failed delivery", async () =>
      (await deliveries()).some((r) => r.task_id === d.task_id && r.event === "task.ended" && r.ok === false),
    );
    // The stall went out (failed) once, not once per look: no silence twice. (On a loaded
    // machine Codex can also be quiet for 2 s before its first event: another silence.)
    const told = (await deliveries()).filter((r) => r.task_id === d.task_id && r.event === "task.stalled");
    expect(new Set(told.map((r) => r.last_output_at)).size, JSON.stringify(told)).toBe(told.length);
    expect(told.every((r) => r.ok === false && r.attempts === 2)).toBe(true);
  });
});
