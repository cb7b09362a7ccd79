import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";

/** One wrong parameter per tool, with the one it most likely meant. */
const MISSPELLED: [tool: string, args: Record<string, unknown>, meant: string][] = [
  [
    "codex",
    { prompt: "x", cwd: "/tmp", topic: "review-a-v1", sandbox: "read-only", timeout: 5 },
    "timeout_seconds",
  ],
  ["codex_dispatch", { prompt: "x", cwd: "/tmp", topic: "review-a-v1", sandBox: "read-only" }, "sandbox"],
  ["codex_status", { taskId: "codex-review-a-v1" }, "task_id"],
  ["codex_wait", { task_id: "codex-review-a-v1" }, "task_ids"],
  ["codex_events", { task_id: "codex-review-a-v1", type: ["error"] }, "types"],
  ["codex_cancel", { task: "codex-review-a-v1" }, "task_id"],
  ["codex_reply", { task_id: "codex-review-a-v1", prompts: "more" }, "prompt"],
  ["codex_diff", { task_id: "codex-review-a-v1", maxBytes: 2048 }, "max_bytes"],
  [
    "codex_merge",
    { task_id: "codex-review-a-v1", strategy: "merge", commit_uncomitted: true },
    "commit_uncommitted",
  ],
  ["codex_cleanup", { task_id: "codex-review-a-v1", forced: true }, "force"],
];

/** What a model meets first: the tool list, and the errors of its first, imperfect calls. */
describe("the tool surface a model sees", () => {
  let sb: Sandbox;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("quick", [{ say: "done" }]);
    sb.model.script("chatty", [
      { sh: "for i in 1 2 3 4 5 6 7 8 9 10; do echo line $i; done" },
      { hang: true },
    ]);
    // This server's own topic types, from its config: the descriptions must list them.
    await fsp.mkdir(sb.home, { recursive: true });
    await fsp.writeFile(path.join(sb.home, "config.yaml"), "topic_types: [review, implement, spike]\n");
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  it("tools/list stays within 16 KB and is the same on every call", async () => {
    const first = await mcp.client.listTools();
    expect(Buffer.byteLength(JSON.stringify(first))).toBeLessThanOrEqual(16 * 1024);
    expect(first.tools.map((t) => t.name).sort()).toEqual(
      [
        "codex",
        "codex_cancel",
        "codex_cleanup",
        "codex_diff",
        "codex_dispatch",
        "codex_events",
        "codex_merge",
        "codex_reply",
        "codex_status",
        "codex_wait",
      ].sort(),
    );
    expect(await mcp.client.listTools()).toEqual(first);
  });

  it("descriptions carry what the model must know: the topic rule with this server's types, codex_wait with the cursor, sibling tools of this server", async () => {
    const { tools } = await mcp.client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    const properties = (byName.codex_dispatch?.inputSchema.properties ?? {}) as Record<
      string,
      { description: string }
    >;
    const topic = properties.topic;
    expect(topic?.description).toContain("type: review, implement, spike");
    expect(topic?.description).toContain("- reads as _");
    expect(byName.codex_dispatch?.description).toContain(
      "call the codex_wait tool of this server with task_ids [task_id] and that cursor",
    );
    expect(byName.codex?.description).toContain("your client's own timeout does not");
    for (const t of tools) {
      expect(t.inputSchema.additionalProperties, t.name).toBe(false);
      expect(t.description?.length ?? 0, t.name).toBeGreaterThan(50);
    }
    expect(byName.codex_merge?.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
  });

  it.each(MISSPELLED)(
    "%s refuses an unknown parameter and names the one meant",
    async (tool, args, meant) => {
      const r = await mcp.call(tool, args);
      expect(r.isError).toBe(true);
      expect(r.text).toContain(`(did you mean "${meant}"?)`);
      expect(r.text).toContain(`${tool} has no parameter`);
    },
  );

  it("accepts a hyphenated description and says how the topic is written", async () => {
    const d = await mcp.ok("codex_dispatch", {
      prompt: "[[script:quick]]",
      cwd: sb.repo,
      topic: "review-login-page-v1",
      sandbox: "read-only",
    });
    expect(d.task_id).toBe("codex-review-login_page-v1");
    expect(String(d.hint)).toMatch(
      /^The topic is review-login_page-v1 \(a description joins its words with _\)\./,
    );
    expect(String(d.hint)).toContain(`and cursor "${String(d.cursor)}"`);
    const s = await untilEnded(mcp, "codex-review-login-page-v1");
    expect(s.task_id).toBe("codex-review-login_page-v1");
    const wrongType = await mcp.call("codex_dispatch", {
      prompt: "x",
      cwd: sb.repo,
      topic: "feature-login-v1",
      sandbox: "read-only",
    });
    expect(wrongType.text).toContain('use one of review, implement, spike (e.g. "review-login-v1")');
    // The advice works.
    const fixed = await mcp.call("codex_dispatch", {
      prompt: "[[script:quick]]",
      cwd: sb.repo,
      topic: "review-login-v1",
      sandbox: "read-only",
    });
    expect(fixed.isError).toBe(false);
    await untilEnded(mcp, "codex-review-login-v1");
  });

  it("codex_events refuses event types that can never match, naming the one meant", async () => {
    const raw = await mcp.call("codex_events", { task_id: "codex-review-login_page-v1", types: ["command"] });
    expect(raw.isError).toBe(true);
    expect(raw.text).toContain('Unknown Codex event type "command" (did you mean "command_execution"?)');
    expect(raw.text).toContain('command is a kind of view "normalized": pass view: "normalized"');
    const norm = await mcp.call("codex_events", {
      task_id: "codex-review-login_page-v1",
      view: "normalized",
      types: ["agent_message"],
    });
    expect(norm.text).toMatch(
      /Unknown event kind "agent_message" (\(did you mean "message"\?\) )?for view "normalized"/,
    );
    // What the messages advise works.
    for (const args of [
      { types: ["command_execution"] },
      { types: ["item.completed:agent_message"] },
      { view: "normalized", types: ["command", "message"] },
    ])
      expect(
        (await mcp.call("codex_events", { task_id: "codex-review-login_page-v1", ...args })).isError,
      ).toBe(false);
  });

  it("a default events page of a noisy task stays within 16 KB and says how to get more", async () => {
    const d = await mcp.ok("codex_dispatch", {
      prompt: "[[script:quick]]",
      cwd: sb.repo,
      topic: "review-noisy-v1",
      sandbox: "read-only",
    });
    await untilEnded(mcp, String(d.task_id));
    const file = path.join(sb.taskDir(String(d.task_id)), "events.jsonl");
    const noisy = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({
        type: "item.completed",
        item: {
          id: `c${i}`,
          type: "command_execution",
          command: `cat big${i}`,
          aggregated_output: "o".repeat(5000),
          exit_code: 0,
        },
      }),
    );
    await fsp.appendFile(file, `${noisy.join("\n")}\n`);
    const page = await mcp.call("codex_events", { task_id: d.task_id });
    expect(Buffer.byteLength(page.text)).toBeLessThanOrEqual(17 * 1024);
    expect(page.data.has_more).toBe(true);
    expect(String(page.data.hint)).toContain(
      `call codex_events again with cursor ${String(page.data.next_cursor)}`,
    );
    const next = await mcp.call("codex_events", { task_id: d.task_id, cursor: page.data.next_cursor });
    const firstNext = (next.data.events as { cursor: number }[])[0];
    expect(firstNext?.cursor).toBe(page.data.next_cursor);
    const tail = await mcp.call("codex_events", { task_id: d.task_id, cursor: "tail" });
    expect(Buffer.byteLength(tail.text)).toBeLessThanOrEqual(17 * 1024);
    expect(String(tail.data.hint)).toContain("raise max_bytes");
  });

  it("a running task's status does not repeat its events in log_tail", async () => {
    await mcp.ok("codex_dispatch", {
      prompt: "[[script:chatty]]",
      cwd: sb.repo,
      topic: "review-chatty-v1",
      sandbox: "read-only",
    });
    const s = await until("the chatty task's output", async () => {
      const v = await mcp.ok("codex_status", { task_id: "codex-review-chatty-v1" });
      const ran = (v.recent_events as string[] | undefined)?.some((e) =>
        e.startsWith("ran (exit 0): for i in"),
      );
      return ran && (v.log_tail as string[] | undefined)?.some((l) => l.includes("line 10")) ? v : undefined;
    });
    const events = s.recent_events as string[];
    for (const line of s.log_tail as string[])
      expect(events).not.toContain(line.replace(/^\[\d\d:\d\d:\d\d\] /, ""));
    await mcp.ok("codex_cancel", { task_id: "codex-review-chatty-v1" });
  });
});
