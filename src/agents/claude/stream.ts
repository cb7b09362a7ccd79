import type { AgentEvent, AgentStreamReader, AgentUsage } from "../../core/agent-events.js";
import { errorCause } from "../error-cause.js";
import { arr, HeldMessage, type Json, num, obj, parseJsonLine, str, toolSummary } from "../stream-common.js";

/**
 * Claude Code's `-p --output-format stream-json --verbose` stream (2.1.330), and the streams that
 * copy its shape (Qwen Code): `system/init`, `assistant` and `user` messages with tool_use and
 * tool_result blocks, `system/permission_denied`, and a closing `result`.
 *
 * The answer is `result.result`; usage is `result.usage` (this invocation only). A failed API call
 * shows as an `assistant` message flagged `is_api_error_message` and a `result` with
 * `is_error: true` but `subtype: "success"`, so the run's outcome is read from `is_error`.
 */
export interface ClaudeStyleOptions {
  /** Tool names that run a shell command. */
  readonly shellTools: ReadonlySet<string>;
  /** Tool names that write a file (with `file_path` in their input), and the change kind they make. */
  readonly fileTools: ReadonlyMap<string, string>;
  /** `result.usage` covers the whole session, earlier invocations included (Qwen), not this one only. */
  readonly sessionUsage: boolean;
}

interface PendingTool {
  readonly name: string;
  readonly command?: string;
  readonly path?: string;
}

/** Exit code and output of a failed shell call, from the tool_result text the CLI writes for the model. */
export function failedShellResult(text: string): { exit_code?: number; output: string } {
  // Claude Code: "Exit code 3\n<output>".
  const claude = /^Exit code (\d+)\n?([\s\S]*)$/.exec(text);
  if (claude?.[1]) return { exit_code: Number(claude[1]), output: claude[2] ?? "" };
  // Qwen Code: "Command: …\nDirectory: …\nOutput: <output>\nError: …\nExit Code: 3\n…".
  const qwenExit = /^Exit Code: (\d+)$/m.exec(text);
  const qwenOutput = /^Output: ([\s\S]*?)\nError: /m.exec(text);
  if (qwenExit?.[1]) return { exit_code: Number(qwenExit[1]), output: qwenOutput?.[1] ?? text };
  return { output: text };
}

const DENIAL_TEXT =
  /has been denied|was denied by permission rules|permission to use .* (?:was|has been) denied/i;

/** `system/api_retry`: the CLI is retrying a failed model request (with its HTTP status). */
function retryEvent(event: Json): AgentEvent {
  const status = num(event.error_status);
  const what = str(event.error) ?? "request failed";
  const message = `${what}${status ? ` (HTTP ${status})` : ""}; retry ${num(event.attempt) ?? "?"} of ${num(event.max_retries) ?? "?"}`;
  const attempt = num(event.attempt);
  return {
    kind: "retry",
    message,
    ...(attempt !== undefined ? { attempt } : {}),
    cause: errorCause(what, status),
  };
}

export class ClaudeStyleStreamReader implements AgentStreamReader {
  private readonly pending = new Map<string, PendingTool>();
  private readonly denied = new Set<string>();
  private readonly reported = new Set<string>();
  private readonly held = new HeldMessage();
  private sessionSeen = false;
  private errorReported = false;
  private finished = false;

  constructor(private readonly options: ClaudeStyleOptions) {}

  push(line: string): AgentEvent[] {
    const event = parseJsonLine(line);
    if (!event) return [];
    const out = this.session(event);
    switch (event.type) {
      case "system":
        if (event.subtype === "permission_denied") {
          const id = str(event.tool_use_id);
          if (id) this.denied.add(id);
        }
        if (event.subtype === "api_retry") out.push(retryEvent(event));
        break;
      case "assistant":
        out.push(...this.assistant(event));
        break;
      case "user":
        out.push(...this.toolResults(event));
        break;
      case "result":
        out.push(...this.result(event));
        break;
    }
    return out;
  }

  end(): AgentEvent[] {
    if (this.finished) return [];
    this.finished = true;
    return [
      ...this.held.release(),
      { kind: "turn_completed", ok: false, error: "the stream ended without a result" },
    ];
  }

  private session(event: Json): AgentEvent[] {
    const id = str(event.session_id);
    if (this.sessionSeen || !id) return [];
    this.sessionSeen = true;
    const model = event.type === "system" ? str(event.model) : undefined;
    return [{ kind: "session", session_id: id, ...(model ? { model } : {}) }, { kind: "turn_started" }];
  }

  private assistant(event: Json): AgentEvent[] {
    const message = obj(event.message);
    const out: AgentEvent[] = [];
    for (const block of arr(message?.content).map(obj)) {
      if (!block) continue;
      if (block.type === "text" && str(block.text)) {
        const text = str(block.text) ?? "";
        if (event.is_api_error_message === true) {
          const status = num(event.api_error_status);
          out.push(...this.held.release(), {
            kind: "error",
            message: text,
            fatal: true,
            cause: errorCause(text, status),
          });
          this.errorReported = true;
        } else out.push(...this.held.hold(text));
      } else if (block.type === "thinking" && str(block.thinking)) {
        out.push({ kind: "reasoning", text: str(block.thinking) ?? "" });
      } else if (block.type === "tool_use") {
        out.push(...this.held.release(), ...this.toolUse(block));
      }
    }
    return out;
  }

  private toolUse(block: Json): AgentEvent[] {
    const id = str(block.id) ?? "";
    const name = str(block.name) ?? "tool";
    const input = obj(block.input);
    if (this.options.shellTools.has(name)) {
      const command = str(input?.command) ?? "";
      this.pending.set(id, { name, command });
      return [{ kind: "command", phase: "started", id, command }];
    }
    const path = str(input?.file_path);
    this.pending.set(id, { name, ...(path ? { path } : {}) });
    const summary = toolSummary(input);
    return [{ kind: "tool", phase: "started", id, name, ...(summary ? { summary } : {}) }];
  }

  private toolResults(event: Json): AgentEvent[] {
    const out: AgentEvent[] = [];
    const meta = arr(event.tool_result_meta).map(obj);
    for (const block of arr(obj(event.message)?.content).map(obj)) {
      if (block?.type !== "tool_result") continue;
      const id = str(block.tool_use_id) ?? "";
      const rejected = meta.some((m) => m?.id === id && obj(m.permission_decision)?.decision === "reject");
      const text = contentText(block.content);
      const denied = this.denied.has(id) || rejected || (block.is_error === true && DENIAL_TEXT.test(text));
      out.push(...this.completed(id, text, block.is_error === true, denied, event.tool_use_result));
    }
    return out;
  }

  private completed(
    id: string,
    text: string,
    isError: boolean,
    denied: boolean,
    detail: unknown,
  ): AgentEvent[] {
    const tool = this.pending.get(id);
    this.pending.delete(id);
    this.reported.add(id);
    if (tool?.command !== undefined) {
      const result =
        isError && !denied ? failedShellResult(text) : { exit_code: isError ? null : 0, output: text };
      const command: AgentEvent = {
        kind: "command",
        phase: "completed",
        id,
        command: tool.command,
        exit_code: result.exit_code ?? null,
        output: result.output,
        ...(denied ? { denied: true } : {}),
      };
      return [command, ...bashEdits(detail)];
    }
    const name = tool?.name ?? "tool";
    const done: AgentEvent = {
      kind: "tool",
      phase: "completed",
      id,
      name,
      ...(denied ? { denied: true } : {}),
    };
    const kind = this.options.fileTools.get(name);
    if (!kind || !tool?.path || isError) return [done];
    const created = obj(detail)?.type === "create";
    return [done, { kind: "file_change", changes: [{ path: tool.path, kind: created ? "add" : kind }] }];
  }

  private result(event: Json): AgentEvent[] {
    this.finished = true;
    const out: AgentEvent[] = [];
    // Denials the stream did not show as they happened (the result lists every one).
    for (const denial of arr(event.permission_denials).map(obj)) {
      const id = str(denial?.tool_use_id);
      if (id && !this.reported.has(id)) out.push(...this.completed(id, "", true, true, undefined));
    }
    const usage = usageOf(obj(event.usage));
    if (usage) {
      out.push({
        kind: "usage",
        usage,
        ...costOf(event),
        ...(this.options.sessionUsage ? { cumulative: true } : {}),
      });
    }
    const failed = event.is_error === true || (str(event.subtype) ?? "success") !== "success";
    if (!failed) {
      const answer = str(event.result);
      out.push(...this.held.finish(answer));
      out.push({ kind: "turn_completed", ok: true });
      return out;
    }
    const message =
      str(obj(event.error)?.message) ?? str(event.result) ?? str(event.subtype) ?? "the run failed";
    if (this.held.current === message) this.held.drop();
    out.push(...this.held.release());
    if (!this.errorReported) {
      const status = num(event.api_error_status);
      out.push({ kind: "error", message, fatal: true, cause: errorCause(message, status) });
    }
    out.push({ kind: "turn_completed", ok: false, error: message });
    return out;
  }
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  return arr(content)
    .map((part) => str(obj(part)?.text) ?? "")
    .join("");
}

/** Files a Bash command wrote, as Claude Code reports them (`tool_use_result.bashEditDiff`). */
function bashEdits(detail: unknown): AgentEvent[] {
  const files = arr(obj(obj(detail)?.bashEditDiff)?.files).map(obj);
  const changes = files.flatMap((f) => {
    const path = str(f?.filePath);
    return path ? [{ path, kind: f?.created === true ? "add" : "update" }] : [];
  });
  return changes.length > 0 ? [{ kind: "file_change", changes }] : [];
}

function usageOf(raw: Json | undefined): AgentUsage | undefined {
  if (!raw) return undefined;
  const usage: AgentUsage = {};
  const input = num(raw.input_tokens);
  const cached = num(raw.cache_read_input_tokens);
  const output = num(raw.output_tokens);
  const reasoning = num(obj(raw.output_tokens_details)?.thinking_tokens);
  const total = num(raw.total_tokens);
  if (input !== undefined) usage.input_tokens = input;
  if (cached !== undefined) usage.cached_input_tokens = cached;
  if (output !== undefined) usage.output_tokens = output;
  if (reasoning !== undefined) usage.reasoning_output_tokens = reasoning;
  if (total !== undefined) usage.total_tokens = total;
  return Object.keys(usage).length > 0 ? usage : undefined;
}

/**
 * This invocation's cost: `total_cost_usd` adds up over resumes, so the per-model costs since the
 * last result are summed instead (absent in Qwen's stream: no cost then).
 */
function costOf(event: Json): { cost_usd?: number } {
  const since = obj(event.model_usage_since_last_result);
  if (!since) return {};
  let cost = 0;
  for (const model of Object.values(since)) cost += num(obj(model)?.costUSD) ?? 0;
  return { cost_usd: cost };
}

const CLAUDE_OPTIONS: ClaudeStyleOptions = {
  shellTools: new Set(["Bash"]),
  fileTools: new Map([
    ["Write", "update"],
    ["Edit", "update"],
    ["MultiEdit", "update"],
    ["NotebookEdit", "update"],
  ]),
  sessionUsage: false,
};

/** Claude Code's stream-json. */
export class ClaudeStreamReader extends ClaudeStyleStreamReader {
  constructor() {
    super(CLAUDE_OPTIONS);
  }
}
