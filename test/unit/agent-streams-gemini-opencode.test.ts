import { describe, expect, it } from "vitest";
import { GeminiStreamReader } from "../../src/agents/gemini/stream.js";
import { OpencodeStreamReader } from "../../src/agents/opencode/stream.js";
import {
  completedCommands,
  finalText,
  ofKind,
  outcome,
  readFixture,
  sessionIds,
  totalUsage,
} from "../helpers/streams.js";

// Expected values are copied from the fixtures (real captures of Gemini CLI 0.61.0 and opencode
// 1.18.33 against the scripted model), not from what the readers print.
const gemini = (file: string) => readFixture(new GeminiStreamReader(), file);
const opencode = (file: string) => readFixture(new OpencodeStreamReader(), file);

describe("Gemini CLI stream reader", () => {
  it("reads a one-shot run: session, the command and its output, stats as usage, the answer", () => {
    const events = gemini("gemini.stream.jsonl");
    expect(sessionIds(events)).toEqual(["5ef96de4-c032-4d92-9042-3c127657babd"]);
    expect(ofKind(events, "session")[0]?.model).toBe("auto");
    const id = "run_shell_command__run_shell_command_1795943387789_0";
    expect(ofKind(events, "command")).toEqual([
      { kind: "command", phase: "started", id, command: "pwd && ls -a && echo hi > agent.txt" },
      // Gemini reports no exit code for a shell call.
      {
        kind: "command",
        phase: "completed",
        id,
        command: "pwd && ls -a && echo hi > agent.txt",
        output: "<run>/work\n.\n..\n.git\nREADME.md",
      },
    ]);
    expect(totalUsage(events)).toEqual({
      usage: { input_tokens: 300, cached_input_tokens: 30, output_tokens: 60, total_tokens: 360 },
    });
    expect(finalText(events)).toBe(
      "Scripted final answer. The command printed: <untrusted_context>\nOutput: <run>/work\n.\n..\n.git\nREADME.md\nProcess Group PGID: 3476\n</untrusted_context>",
    );
    expect(outcome(events)).toEqual({ kind: "turn_completed", ok: true });
  });

  it("reads the resumed run with the same session id", () => {
    const events = gemini("gemini.resume.jsonl");
    expect(sessionIds(events)).toEqual(["5ef96de4-c032-4d92-9042-3c127657babd"]);
    expect(finalText(events)).toContain("README.md\nagent.txt\nProcess Group PGID: 3516");
  });

  it("reads an API error as a fatal error with its cause; an empty stream (unknown resume) as a failed turn", () => {
    const events = gemini("gemini-fail400.stream.jsonl");
    expect(sessionIds(events)).toEqual(["3985caf2-50f6-49f6-8127-969befef27b8"]);
    const message =
      '[API Error: {"error":{"type":"invalid_request_error","message":"scripted failure","code":400,"status":"INVALID_ARGUMENT"}}]';
    expect(ofKind(events, "error")).toEqual([{ kind: "error", message, fatal: true, cause: "model" }]);
    expect(outcome(events)).toEqual({ kind: "turn_completed", ok: false, error: message });
    expect(finalText(events)).toBeUndefined();

    const empty = gemini("gemini-fail400.resume.jsonl");
    expect(sessionIds(empty)).toEqual([]);
    expect(outcome(empty)).toEqual({
      kind: "turn_completed",
      ok: false,
      error: "the stream ended without a result",
    });
  });

  it("reads a default-mode run, where the shell tool was withheld: no command, the side answer", () => {
    const events = gemini("gemini-mode-default.stream.jsonl");
    expect(ofKind(events, "command")).toEqual([]);
    expect(finalText(events)).toBe("Scripted side answer");
    expect(totalUsage(events).usage).toEqual({
      input_tokens: 200,
      cached_input_tokens: 20,
      output_tokens: 40,
      total_tokens: 240,
    });
  });

  it("reads a failing command's output (its exit code is not in the stream)", () => {
    const events = gemini("gemini-exit3.stream.jsonl");
    expect(completedCommands(events).map(({ output, exit_code }) => ({ output, exit_code }))).toEqual([
      { output: "out-line\nerr-line", exit_code: undefined },
    ]);
    expect(finalText(events)).toBe("The command failed with exit code 3.");
  });
});

describe("opencode stream reader", () => {
  it("reads a one-shot run: session, the command with exit code, per-step usage summing up, the last text", () => {
    const events = opencode("opencode.stream.jsonl");
    expect(sessionIds(events)).toEqual(["ses_dd96e842affeXynn8CCufqgwoz"]);
    expect(ofKind(events, "command")).toEqual([
      { kind: "command", phase: "started", id: "call_2", command: "pwd && ls -a && echo hi > agent.txt" },
      {
        kind: "command",
        phase: "completed",
        id: "call_2",
        command: "pwd && ls -a && echo hi > agent.txt",
        exit_code: 0,
        output: "<run>/work\n.\n..\n.git\nREADME.md\n",
      },
    ]);
    expect(ofKind(events, "usage")).toHaveLength(2);
    expect(totalUsage(events)).toEqual({
      usage: {
        input_tokens: 180,
        cached_input_tokens: 20,
        output_tokens: 40,
        reasoning_output_tokens: 0,
        total_tokens: 240,
      },
      cost: 0,
    });
    expect(finalText(events)).toBe(
      "Scripted final answer. The command printed: <run>/work\n.\n..\n.git\nREADME.md",
    );
    expect(outcome(events)).toEqual({ kind: "turn_completed", ok: true });
  });

  it("reads the resumed run with the same session id", () => {
    const events = opencode("opencode.resume.jsonl");
    expect(sessionIds(events)).toEqual(["ses_dd96e842affeXynn8CCufqgwoz"]);
    expect(finalText(events)).toBe(
      "Scripted final answer. The command printed: <run>/work\n.\n..\n.git\nREADME.md\nagent.txt",
    );
  });

  it("reads an API error event as a fatal error with the status's cause", () => {
    const events = opencode("opencode-fail400.stream.jsonl");
    expect(sessionIds(events)).toEqual(["ses_dd97662afffeBVgh6QoDuRx2IT"]);
    expect(ofKind(events, "error")).toEqual([
      { kind: "error", message: "scripted failure", fatal: true, cause: "model" },
    ]);
    expect(outcome(events)).toEqual({ kind: "turn_completed", ok: false, error: "scripted failure" });
  });

  it("reads a read-only run (bash denied, so removed): no command, the answer", () => {
    const events = opencode("opencode-readonly.stream.jsonl");
    expect(sessionIds(events)).toEqual(["ses_dd97008abffek3gb6qSgANOdUV"]);
    expect(ofKind(events, "command")).toEqual([]);
    expect(finalText(events)).toBe("Scripted side answer");
  });

  it("reads an auto-rejected command ('ask' headless) as denied; the run ends with no answer", () => {
    const events = opencode("opencode-ask.stream.jsonl");
    expect(completedCommands(events)).toEqual([
      {
        kind: "command",
        phase: "completed",
        id: "call_2",
        command: "echo hi > a.txt && git add a.txt && git commit -qm agent && echo committed",
        exit_code: null,
        output: "The user rejected permission to use this specific tool call.",
        denied: true,
      },
    ]);
    expect(finalText(events)).toBeUndefined();
  });

  it("reads a failing command's exit code from the tool's metadata", () => {
    const events = opencode("opencode-exit3.stream.jsonl");
    expect(completedCommands(events).map(({ exit_code, output }) => ({ exit_code, output }))).toEqual([
      { exit_code: 3, output: "out-line\nerr-line\n" },
    ]);
    expect(finalText(events)).toBe("The command failed with exit code 3.");
  });
});
