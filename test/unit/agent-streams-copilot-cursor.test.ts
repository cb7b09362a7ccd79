import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CopilotStreamReader } from "../../src/agents/copilot/stream.js";
import { copilotUsageEvent, readCopilotUsage } from "../../src/agents/copilot/usage.js";
import { CursorStreamReader } from "../../src/agents/cursor/stream.js";
import {
  completedCommands,
  finalText,
  ofKind,
  outcome,
  readFixture,
  STREAMS,
  sessionIds,
} from "../helpers/streams.js";

// Copilot: real captures of Copilot CLI 1.0.102 against the scripted model. Cursor: no binary
// exists here; cursor*.stream.jsonl are written by hand after Cursor's documented format. Expected
// values are copied from the fixtures, not from what the readers print.
const copilot = (file: string) => readFixture(new CopilotStreamReader(), file);
const cursor = (file: string) => readFixture(new CursorStreamReader(), file);

describe("Copilot CLI stream reader", () => {
  it("reads a one-shot run: the session id from the result, the command's streamed output, the answer", () => {
    const events = copilot("copilot.stream.jsonl");
    expect(sessionIds(events)).toEqual(["46a169ec-16ec-40e2-83b1-3c5189fa1d54"]);
    expect(ofKind(events, "command")).toEqual([
      { kind: "command", phase: "started", id: "call_1", command: "pwd && ls -a && echo hi > agent.txt" },
      {
        kind: "command",
        phase: "completed",
        id: "call_1",
        command: "pwd && ls -a && echo hi > agent.txt",
        exit_code: 0,
        output: "<run>/work\n.\n..\n.git\nREADME.md\n",
      },
    ]);
    expect(finalText(events)).toBe(
      "Scripted final answer. The command printed: <run>/work\n.\n..\n.git\nREADME.md\n<shellId: 0 completed with exit code 0>",
    );
    expect(ofKind(events, "turn_started")).toHaveLength(1);
    expect(ofKind(events, "usage")).toEqual([]);
    expect(outcome(events)).toEqual({ kind: "turn_completed", ok: true });
  });

  it("reads the resumed run with the same session id", () => {
    const events = copilot("copilot.resume.jsonl");
    expect(sessionIds(events)).toEqual(["46a169ec-16ec-40e2-83b1-3c5189fa1d54"]);
    expect(completedCommands(events).map((c) => c.output)).toEqual([
      "<run>/work\n.\n..\n.git\nREADME.md\nagent.txt\n",
    ]);
  });

  it("reads session.error as a fatal error with its status's cause, and the failed turn", () => {
    const events = copilot("copilot-fail400.stream.jsonl");
    expect(sessionIds(events)).toEqual(["05360e2e-a4d5-49c4-a025-7f191a6e3948"]);
    expect(ofKind(events, "error")).toEqual([
      { kind: "error", message: "400 scripted failure", fatal: true, cause: "model" },
    ]);
    expect(outcome(events)).toEqual({ kind: "turn_completed", ok: false, error: "400 scripted failure" });
    expect(finalText(events)).toBeUndefined();
  });

  it("reads a command refused without --allow-all-tools, and one refused by --deny-tool, as denied", () => {
    const none = completedCommands(copilot("copilot-perm-none.stream.jsonl"));
    expect(none).toEqual([
      {
        kind: "command",
        phase: "completed",
        id: "call_1",
        command: "echo hi > a.txt && git add a.txt && git commit -qm agent && echo committed",
        exit_code: null,
        output:
          "Permission denied because no interactive user response was available. Retry in an interactive session so the user can approve it, or try an alternative that does not require this permission.",
        denied: true,
      },
    ]);
    const deny = completedCommands(copilot("copilot-perm-deny.stream.jsonl"));
    expect(deny.map(({ denied, output }) => ({ denied, output }))).toEqual([
      { denied: true, output: "Permission to run this tool was denied due to the following rules: `shell`" },
    ]);
  });

  it("reads a failing command's exit code", () => {
    const events = copilot("copilot-exit3.stream.jsonl");
    expect(sessionIds(events)).toEqual(["2f85fbab-c057-4e19-be5c-985e14196c2f"]);
    expect(completedCommands(events).map(({ exit_code, output }) => ({ exit_code, output }))).toEqual([
      { exit_code: 3, output: "out-line\nerr-line\n" },
    ]);
  });

  it("reads the --usage-output-file JSON into usage and Copilot's own cost units", () => {
    const file = readFileSync(path.join(STREAMS, "copilot-usage.usage.json"), "utf8");
    expect(readCopilotUsage(file)).toEqual({
      usage: { input_tokens: 200, cached_input_tokens: 20, output_tokens: 40, reasoning_output_tokens: 0 },
      premiumRequests: 0,
      nanoAiu: 0,
    });
    expect(copilotUsageEvent(JSON.parse(file))).toEqual({
      kind: "usage",
      usage: { input_tokens: 200, cached_input_tokens: 20, output_tokens: 40, reasoning_output_tokens: 0 },
      cumulative: true,
    });
    expect(sessionIds(copilot("copilot-usage.stream.jsonl"))).toEqual([
      "f46f0e1c-ffe4-4f0d-a415-5be530cc39f5",
    ]);
  });
});

describe("Cursor agent stream reader (documented format)", () => {
  it("reads a run: session, preamble, the shell call with exit code, other tools, the file written, the answer", () => {
    const events = cursor("cursor.stream.jsonl");
    expect(sessionIds(events)).toEqual(["9c1f6a52-7d1e-4c2b-9a0e-3f5b8d2e4a17"]);
    expect(ofKind(events, "session")[0]?.model).toBe("Claude 4.5 Sonnet");
    expect(ofKind(events, "message")).toEqual([
      { kind: "message", text: "I'll create and commit the file." },
      { kind: "message", text: "Committed a.txt and wrote notes.md.", final: true },
    ]);
    expect(completedCommands(events)).toEqual([
      {
        kind: "command",
        phase: "completed",
        id: "toolu_01",
        command: "echo hi > a.txt && git add a.txt && git commit -qm agent",
        exit_code: 0,
        output: "",
      },
    ]);
    expect(ofKind(events, "tool")).toEqual([
      { kind: "tool", phase: "started", id: "toolu_02", name: "read", summary: "a.txt" },
      { kind: "tool", phase: "completed", id: "toolu_02", name: "read" },
      { kind: "tool", phase: "started", id: "toolu_03", name: "write", summary: "notes.md" },
      { kind: "tool", phase: "completed", id: "toolu_03", name: "write" },
    ]);
    expect(ofKind(events, "file_change")).toEqual([
      { kind: "file_change", changes: [{ path: "notes.md", kind: "update" }] },
    ]);
    expect(outcome(events)).toEqual({ kind: "turn_completed", ok: true });
  });

  it("reads a command refused in plan mode as denied", () => {
    const events = cursor("cursor-plan.stream.jsonl");
    expect(completedCommands(events)).toEqual([
      {
        kind: "command",
        phase: "completed",
        id: "toolu_01",
        command: "git commit -qam agent",
        exit_code: null,
        output: "Plan mode: commands that change the workspace are not run.",
        denied: true,
      },
    ]);
    expect(finalText(events)).toBe("I could not commit in plan mode.");
  });

  it("reads an error result as a fatal auth error and a failed turn", () => {
    const events = cursor("cursor-fail.stream.jsonl");
    expect(sessionIds(events)).toEqual(["e4a9c2d7-1f38-4b6a-9e05-7c2d8f1b3a64"]);
    expect(ofKind(events, "error")).toEqual([
      { kind: "error", message: "API Error: 401 Invalid API key", fatal: true, cause: "auth" },
    ]);
    expect(outcome(events)).toEqual({
      kind: "turn_completed",
      ok: false,
      error: "API Error: 401 Invalid API key",
    });
  });
});
