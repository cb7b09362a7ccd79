import type { AgentEvent, AgentStreamReader } from "../../core/agent-events.js";
import { errorCause } from "../error-cause.js";
import { HeldMessage, type Json, num, obj, parseJsonLine, str, toolSummary } from "../stream-common.js";

/**
 * opencode's `run --format json` (1.18.33): every event carries `sessionID`; a model call is a
 * `step_start` … `step_finish` (with that step's `tokens` and `cost`), text comes as `text` parts,
 * and a tool call is reported once, finished, as a `tool_use` part with its `state`. There is no
 * closing event: the run ends when the process does, so the answer (the last `text` part) and the
 * turn's end come from `end()`.
 *
 * Usage is reported per step (not cumulative: the run's usage is their sum). A tool call the
 * permission config answers "ask" is auto-rejected headless ("The user rejected permission …"):
 * reported as denied; the run then stops with no answer. "deny" removes the tool from the model's
 * list, so nothing shows.
 */
const SHELL_TOOL = "bash";
const FILE_TOOLS = new Map([
  ["write", "update"],
  ["edit", "update"],
]);
const REJECTED = /rejected permission|permission denied|not allowed/i;

export class OpencodeStreamReader implements AgentStreamReader {
  private readonly held = new HeldMessage();
  private sessionSeen = false;
  private failure: string | undefined;
  private ended = false;

  push(line: string): AgentEvent[] {
    const event = parseJsonLine(line);
    if (!event) return [];
    const out = this.session(event);
    const part = obj(event.part);
    switch (event.type) {
      case "text": {
        const text = str(part?.text);
        if (text) out.push(...this.held.hold(text));
        break;
      }
      case "reasoning": {
        const text = str(part?.text);
        if (text) out.push({ kind: "reasoning", text });
        break;
      }
      case "tool_use":
        if (part) out.push(...this.held.release(), ...toolCall(part));
        break;
      case "step_finish":
        if (part) out.push(...stepUsage(part));
        break;
      case "error":
        out.push(...this.held.release(), this.error(event));
        break;
    }
    return out;
  }

  end(): AgentEvent[] {
    if (this.ended) return [];
    this.ended = true;
    if (this.failure !== undefined) {
      return [...this.held.release(), { kind: "turn_completed", ok: false, error: this.failure }];
    }
    return [...this.held.finish(), { kind: "turn_completed", ok: true }];
  }

  private session(event: Json): AgentEvent[] {
    const id = str(event.sessionID);
    if (this.sessionSeen || !id) return [];
    this.sessionSeen = true;
    return [{ kind: "session", session_id: id }, { kind: "turn_started" }];
  }

  private error(event: Json): AgentEvent {
    const error = obj(event.error);
    const data = obj(error?.data);
    const message = str(data?.message) ?? str(error?.message) ?? str(error?.name) ?? "error";
    this.failure = message;
    return { kind: "error", message, fatal: true, cause: errorCause(message, num(data?.statusCode)) };
  }
}

/** A finished tool call: started and completed at once (opencode reports it only when done). */
function toolCall(part: Json): AgentEvent[] {
  const id = str(part.callID) ?? str(part.id) ?? "";
  const name = str(part.tool) ?? "tool";
  const state = obj(part.state);
  const input = obj(state?.input);
  const failed = state?.status === "error";
  const errorText = str(state?.error) ?? "";
  const denied = failed && REJECTED.test(errorText);
  if (name === SHELL_TOOL) {
    const command = str(input?.command) ?? "";
    const exit = num(obj(state?.metadata)?.exit);
    return [
      { kind: "command", phase: "started", id, command },
      {
        kind: "command",
        phase: "completed",
        id,
        command,
        exit_code: failed ? null : (exit ?? null),
        output: failed ? errorText : (str(state?.output) ?? ""),
        ...(denied ? { denied: true } : {}),
      },
    ];
  }
  const summary = toolSummary(input);
  const events: AgentEvent[] = [
    { kind: "tool", phase: "started", id, name, ...(summary ? { summary } : {}) },
    { kind: "tool", phase: "completed", id, name, ...(denied ? { denied: true } : {}) },
  ];
  const kind = FILE_TOOLS.get(name);
  const path = str(input?.filePath);
  if (kind && path && !failed) events.push({ kind: "file_change", changes: [{ path, kind }] });
  return events;
}

function stepUsage(part: Json): AgentEvent[] {
  const tokens = obj(part.tokens);
  if (!tokens) return [];
  const cache = obj(tokens.cache);
  const usage = {
    ...(num(tokens.input) !== undefined ? { input_tokens: num(tokens.input) } : {}),
    ...(num(cache?.read) !== undefined ? { cached_input_tokens: num(cache?.read) } : {}),
    ...(num(tokens.output) !== undefined ? { output_tokens: num(tokens.output) } : {}),
    ...(num(tokens.reasoning) !== undefined ? { reasoning_output_tokens: num(tokens.reasoning) } : {}),
    ...(num(tokens.total) !== undefined ? { total_tokens: num(tokens.total) } : {}),
  };
  const cost = num(part.cost);
  return [{ kind: "usage", usage, ...(cost !== undefined ? { cost_usd: cost } : {}) }];
}
