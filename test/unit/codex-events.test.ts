import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { codexDriver } from "../../src/agents/codex/driver.js";
import { eventKinds, parseEventLine } from "../../src/agents/codex/events.js";
import { CodexStreamReader, unwrapShell } from "../../src/agents/codex/stream.js";
import { normalizeLines, summarizeEventsFile } from "../../src/agents/stream-file.js";
import type { AgentEvent } from "../../src/core/agent-events.js";
import { describeEvent, transcriptLines } from "../../src/core/describe.js";
import { RunSummary } from "../../src/core/summary.js";

/** The normalized events of one raw line. */
function norm(line: string | undefined): AgentEvent[] {
  return new CodexStreamReader().push(line ?? "");
}

const lines = [
  '{"type":"thread.started","thread_id":"0199a-b"}',
  '{"type":"turn.started"}',
  '{"type":"item.started","item":{"id":"i1","type":"command_execution","command":"/bin/bash -lc \'ls -la\'","aggregated_output":"","exit_code":null,"status":"in_progress"}}',
  '{"type":"item.completed","item":{"id":"i1","type":"command_execution","command":"/bin/bash -lc \'ls -la\'","aggregated_output":"a\\nb\\n","exit_code":0,"status":"completed"}}',
  '{"type":"item.completed","item":{"id":"i2","type":"file_change","changes":[{"path":"/w/a.ts","kind":"update"}],"status":"completed"}}',
  '{"type":"error","message":"Reconnecting... 1/5"}',
  '{"type":"item.completed","item":{"id":"i3","type":"agent_message","text":"first"}}',
  '{"type":"item.completed","item":{"id":"i4","type":"agent_message","text":"All done."}}',
  '{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":2,"output_tokens":3}}',
];

/** Lines the real Codex CLI (0.169.0 and 0.171.0) printed against the scripted model and a closed port. */
const REAL = {
  authRetry:
    '{"type":"error","message":"Reconnecting... 1/5 (unexpected status 401 Unauthorized: Missing bearer or basic authentication in header, url: http://127.0.0.1:35069/v1/responses)"}',
  noNetwork:
    '{"type":"error","message":"Reconnecting... waiting for network (Connection failed: error sending request)"}',
  dns: '{"type":"error","message":"Reconnecting... 2/5 (stream disconnected before completion: failed to lookup address information: Name does not resolve)"}',
  wsNotFound:
    '{"type":"error","message":"Reconnecting... 2/5 (unexpected status 404 Not Found: 0, url: ws://127.0.0.1:35069/v1/responses)"}',
  missingKey: '{"type":"turn.failed","error":{"message":"Missing environment variable: `EXP_KEY`."}}',
  fallback:
    '{"type":"item.completed","item":{"id":"item_0","type":"error","message":"Falling back from WebSockets to HTTPS transport. stream disconnected before completion"}}',
};

describe("codex events", () => {
  it("tells why Codex could not reach its model, from its own words", () => {
    expect(norm(REAL.authRetry)).toEqual([
      { kind: "retry", message: expect.stringContaining("401"), attempt: 1, cause: "auth" },
    ]);
    expect(norm(REAL.noNetwork)).toEqual([
      { kind: "retry", message: expect.stringContaining("waiting for network"), cause: "network" },
    ]);
    expect(norm(REAL.dns)[0]).toMatchObject({ kind: "retry", attempt: 2, cause: "network" });
    expect(norm(REAL.wsNotFound)[0]).toMatchObject({ kind: "retry", attempt: 2, cause: "model" });
    expect(norm(REAL.missingKey)[0]).toEqual({
      kind: "error",
      message: "Missing environment variable: `EXP_KEY`.",
      fatal: true,
      cause: "auth",
    });
    // A transport fallback is not fatal and not a retry.
    expect(norm(REAL.fallback)).toEqual([
      { kind: "error", message: expect.stringContaining("Falling back"), fatal: false },
    ]);
  });

  it("parses JSONL lines and ignores anything else", () => {
    expect(parseEventLine(lines[0] ?? "")).toEqual({ type: "thread.started", thread_id: "0199a-b" });
    expect(parseEventLine("WARNING: something")).toBeUndefined();
    expect(parseEventLine('{"no":"type"}')).toBeUndefined();
    expect(parseEventLine('{"type":')).toBeUndefined();
    expect(eventKinds(parseEventLine(lines[3] ?? "") ?? { type: "x" })).toEqual([
      "item.completed",
      "command_execution",
      "item.completed:command_execution",
    ]);
  });

  it("reads Codex's stream as normalized events", () => {
    expect(normalizeLines(codexDriver, lines, true)).toEqual([
      { kind: "session", session_id: "0199a-b" },
      { kind: "turn_started" },
      { kind: "command", phase: "started", id: "i1", command: "ls -la" },
      { kind: "command", phase: "completed", id: "i1", command: "ls -la", exit_code: 0, output: "a\nb\n" },
      { kind: "file_change", changes: [{ path: "/w/a.ts", kind: "update" }] },
      { kind: "retry", message: "Reconnecting... 1/5", attempt: 1, cause: "other" },
      { kind: "message", text: "first" },
      { kind: "message", text: "All done." },
      { kind: "usage", usage: { input_tokens: 10, cached_input_tokens: 2, output_tokens: 3 } },
      { kind: "turn_completed", ok: true },
    ]);
    const failed = norm('{"type":"turn.failed","error":{"message":"unexpected status 401 Unauthorized"}}');
    expect(failed).toEqual([
      { kind: "error", message: "unexpected status 401 Unauthorized", fatal: true, cause: "auth" },
      { kind: "turn_completed", ok: false, error: "unexpected status 401 Unauthorized" },
    ]);
  });

  it("folds a run into session, final message, usage and counts", () => {
    const s = new RunSummary();
    for (const e of normalizeLines(codexDriver, lines, true)) s.push(e);
    expect(s.data()).toMatchObject({
      sessionId: "0199a-b",
      result: "All done.",
      usage: { input_tokens: 10, cached_input_tokens: 2, output_tokens: 3 },
      lastError: null,
      turnFailed: null,
      retriesInARow: 0,
      counts: { events: 10, commands: 1, fileChanges: 1, messages: 2 },
    });
  });

  it("describes events for people", () => {
    expect(unwrapShell("/bin/bash -lc 'echo it'\\''s'")).toBe("echo it's");
    expect(unwrapShell(`/bin/bash -lc "echo 'a' \\"b\\" \\$HOME"`)).toBe(`echo 'a' "b" $HOME`);
    expect(unwrapShell("plain")).toBe("plain");
    const [started] = norm(lines[2]);
    expect(started && describeEvent(started)).toBe("running: ls -la");
    const [edited] = norm(lines[4]);
    expect(edited && describeEvent(edited)).toBe("edited: update /w/a.ts");
    const [done] = norm(lines[3]);
    expect(done && transcriptLines(done, "codex")).toEqual(["ran (exit 0): ls -la", "  │ a", "  │ b"]);
    const [message] = norm(lines[7]);
    expect(message && transcriptLines(message, "codex")).toEqual(["codex:", "  All done."]);
    const [, turn] = norm(lines[8]);
    expect(turn && describeEvent(turn)).toBe("turn completed");
  });

  it("summarises a large events file from its head and tail only", async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-unit-"));
    const file = path.join(dir, "events.jsonl");
    const filler = `${'{"type":"item.completed","item":{"type":"reasoning","text":"'}${"x".repeat(1000)}"}}\n`;
    await fsp.writeFile(file, `${lines[0]}\n${filler.repeat(5000)}${lines.slice(6).join("\n")}\n`);
    const s = await summarizeEventsFile(codexDriver, file, 64 * 1024);
    expect(s.sessionId).toBe("0199a-b");
    expect(s.result).toBe("All done.");
    expect(s.usage).toMatchObject({ input_tokens: 10 });
    await fsp.rm(dir, { recursive: true });
  });
});

describe("the tested Codex versions", () => {
  it("are the ones the suite pins and installs (so what doctor and the READMEs say is true)", async () => {
    const { TESTED_CODEX_VERSIONS } = await import("../../src/agents/codex/versions.js");
    const { PINNED_CODEX_VERSIONS, DEFAULT_CODEX_VERSION } = await import("../helpers/codex-versions.js");
    expect([...TESTED_CODEX_VERSIONS].sort()).toEqual([...PINNED_CODEX_VERSIONS].sort());
    expect(TESTED_CODEX_VERSIONS).toContain(DEFAULT_CODEX_VERSION);
  });
});
