import { describe, expect, it } from "vitest";
import { ClaudeStreamReader } from "../../src/agents/claude/stream.js";
import { QwenStreamReader } from "../../src/agents/qwen/stream.js";
import {
  completedCommands,
  finalText,
  ofKind,
  outcome,
  readFixture,
  sessionIds,
  totalUsage,
} from "../helpers/streams.js";

// Expected values are copied from the fixtures (real captures of Claude Code 2.1.330 and Qwen Code
// 0.24.4 against the scripted model), not from what the readers print.
const claude = (file: string) => readFixture(new ClaudeStreamReader(), file);
const qwen = (file: string) => readFixture(new QwenStreamReader(), file);

describe("Claude Code stream reader", () => {
  it("reads a one-shot run: session, the command with its output, the file it wrote, usage, the answer", () => {
    const events = claude("claude.stream.jsonl");
    expect(sessionIds(events)).toEqual(["3fed788e-1fed-4705-9a3c-caa8b4578c46"]);
    expect(ofKind(events, "session")[0]?.model).toBe("claude-opus-5-5");
    expect(ofKind(events, "command")).toEqual([
      { kind: "command", phase: "started", id: "toolu_1", command: "pwd && ls -a && echo hi > agent.txt" },
      {
        kind: "command",
        phase: "completed",
        id: "toolu_1",
        command: "pwd && ls -a && echo hi > agent.txt",
        exit_code: 0,
        output: "<run>/work\n.\n..\n.git\nREADME.md",
      },
    ]);
    expect(ofKind(events, "file_change")).toEqual([
      { kind: "file_change", changes: [{ path: "<run>/work/agent.txt", kind: "add" }] },
    ]);
    expect(totalUsage(events)).toEqual({
      usage: { input_tokens: 200, cached_input_tokens: 20, output_tokens: 40, reasoning_output_tokens: 0 },
      cost: 0.0016040000000000002,
    });
    const answer = "Scripted final answer. The command printed: <run>/work\n.\n..\n.git\nREADME.md";
    expect(finalText(events)).toBe(answer);
    // The last assistant message is the answer: reported once, not again as an ordinary message.
    expect(ofKind(events, "message")).toHaveLength(1);
    expect(outcome(events)).toEqual({ kind: "turn_completed", ok: true });
    expect(ofKind(events, "error")).toEqual([]);
  });

  it("reads the resumed run: same session, this invocation's cost (not the session's running total)", () => {
    const events = claude("claude.resume.jsonl");
    expect(sessionIds(events)).toEqual(["3fed788e-1fed-4705-9a3c-caa8b4578c46"]);
    expect(finalText(events)).toBe(
      "Scripted final answer. The command printed: <run>/work\n.\n..\n.git\nREADME.md\nagent.txt",
    );
    expect(totalUsage(events).cost).toBe(0.0016040000000000002);
    expect(completedCommands(events).map((c) => c.output)).toEqual([
      "<run>/work\n.\n..\n.git\nREADME.md\nagent.txt",
    ]);
    expect(ofKind(events, "file_change")).toEqual([]);
  });

  it("reads an API error as one fatal error with its cause, and a failed turn despite subtype success", () => {
    const events = claude("claude-fail400.stream.jsonl");
    expect(sessionIds(events)).toEqual(["c5b49d8d-c733-4dee-a524-6b0f70dbbd24"]);
    expect(ofKind(events, "error")).toEqual([
      { kind: "error", message: "API Error: 400 scripted failure", fatal: true, cause: "model" },
    ]);
    expect(outcome(events)).toEqual({
      kind: "turn_completed",
      ok: false,
      error: "API Error: 400 scripted failure",
    });
    expect(ofKind(events, "message")).toEqual([]);
    expect(totalUsage(events)).toEqual({
      usage: { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0 },
      cost: 0,
    });
  });

  it("reads a command refused in dontAsk mode as denied, without an exit code", () => {
    const events = claude("claude-mode-dontAsk.stream.jsonl");
    expect(sessionIds(events)).toEqual(["1bbae7c7-2854-4143-af6f-da64e8918309"]);
    const [denied, ...more] = completedCommands(events);
    expect(more).toEqual([]);
    expect(denied?.command).toBe("pwd && ls -a && echo hi > agent.txt");
    expect(denied?.denied).toBe(true);
    expect(denied?.exit_code).toBeNull();
    expect(
      denied?.output?.startsWith(
        "Permission to use Bash has been denied because Claude Code is running in don't ask mode.",
      ),
    ).toBe(true);
    expect(
      finalText(events)?.startsWith("Scripted final answer. The command printed: Permission to use Bash"),
    ).toBe(true);
    expect(outcome(events).ok).toBe(true);
  });

  it("reads a failing command's exit code and output out of the tool result", () => {
    const events = claude("claude-exit3.stream.jsonl");
    expect(sessionIds(events)).toEqual(["8f5a897d-a653-45d3-9d82-03ab54129aa8"]);
    expect(completedCommands(events)).toEqual([
      {
        kind: "command",
        phase: "completed",
        id: "toolu_1",
        command: "echo out-line; echo err-line >&2; exit 3",
        exit_code: 3,
        output: "out-line\nerr-line",
      },
    ]);
    expect(finalText(events)).toBe("The command failed with exit code 3.");
  });

  it("reports a stream cut off before its result as a failed turn", () => {
    const reader = new ClaudeStreamReader();
    const events = [
      ...reader.push('{"type":"system","subtype":"init","session_id":"s-1","model":"m"}'),
      ...reader.push(
        '{"type":"assistant","message":{"content":[{"type":"text","text":"half"}]},"session_id":"s-1"}',
      ),
      ...reader.end(),
    ];
    expect(sessionIds(events)).toEqual(["s-1"]);
    expect(ofKind(events, "message")).toEqual([{ kind: "message", text: "half" }]);
    expect(outcome(events)).toEqual({
      kind: "turn_completed",
      ok: false,
      error: "the stream ended without a result",
    });
  });
});

describe("Qwen Code stream reader", () => {
  it("reads a one-shot run: session, the command, usage with its total, the answer", () => {
    const events = qwen("qwen.stream.jsonl");
    expect(sessionIds(events)).toEqual(["4becbd3c-5b46-4f6b-bbe0-3107e3669681"]);
    expect(ofKind(events, "session")[0]?.model).toBe("scripted-model");
    expect(completedCommands(events)).toEqual([
      {
        kind: "command",
        phase: "completed",
        id: "call_1",
        command: "pwd && ls -a && echo hi > agent.txt",
        exit_code: 0,
        output: "<run>/work\n.  ..  .git  README.md",
      },
    ]);
    expect(totalUsage(events)).toEqual({
      usage: { input_tokens: 200, cached_input_tokens: 20, output_tokens: 40, total_tokens: 240 },
    });
    expect(finalText(events)).toBe(
      "Scripted final answer. The command printed: Command: pwd && ls -a && echo hi > agent.txt\nDirectory: (root)\nOutput: <run>/work\n.  ..  .git  README.md\nError: (none)\nExit Code: 0\nSignal: (none)\nProcess Group PGID: 5384",
    );
    expect(outcome(events)).toEqual({ kind: "turn_completed", ok: true });
  });

  it("marks the resumed run's usage cumulative: it counts the first run's tokens too", () => {
    const events = qwen("qwen.resume.jsonl");
    expect(sessionIds(events)).toEqual(["4becbd3c-5b46-4f6b-bbe0-3107e3669681"]);
    expect(ofKind(events, "usage")).toEqual([
      {
        kind: "usage",
        usage: { input_tokens: 400, cached_input_tokens: 40, output_tokens: 80, total_tokens: 480 },
        cumulative: true,
      },
    ]);
  });

  it("reads an API error as a fatal error, without repeating it as a message", () => {
    const events = qwen("qwen-fail400.stream.jsonl");
    expect(sessionIds(events)).toEqual(["b4b42afa-3825-40a2-bf89-0b0a2750ae9f"]);
    expect(ofKind(events, "error")).toEqual([
      { kind: "error", message: "[API Error: 400 scripted failure]", fatal: true, cause: "model" },
    ]);
    expect(ofKind(events, "message")).toEqual([]);
    expect(outcome(events)).toEqual({
      kind: "turn_completed",
      ok: false,
      error: "[API Error: 400 scripted failure]",
    });
  });

  it("reads a failing command's exit code and output out of Qwen's tool result text", () => {
    const events = qwen("qwen-exit3.stream.jsonl");
    expect(sessionIds(events)).toEqual(["cc023649-01c8-4e77-b5cc-6af5fb356109"]);
    expect(completedCommands(events).map(({ exit_code, output }) => ({ exit_code, output }))).toEqual([
      { exit_code: 3, output: "out-line\nerr-line" },
    ]);
  });

  it("reads a default-mode run, where the shell tool was withheld: no command, the model's answer", () => {
    const events = qwen("qwen-mode-default.stream.jsonl");
    expect(ofKind(events, "command")).toEqual([]);
    expect(finalText(events)).toBe(
      "No shell tool was offered; the script wanted to run: echo hi > a.txt && git add a.txt && git commit -qm agent && echo committed",
    );
    expect(totalUsage(events).usage).toEqual({
      input_tokens: 300,
      cached_input_tokens: 30,
      output_tokens: 60,
      total_tokens: 360,
    });
  });
});
