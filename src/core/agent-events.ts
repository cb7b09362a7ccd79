/**
 * Normalized agent events: what every layer above the agent drivers reads. Each driver turns
 * its CLI's raw stream (kept byte-exact in events.jsonl) into these; nothing above the drivers
 * looks at a raw event. A closed union: a new kind is a change here, checked everywhere.
 */

/** Token counts as the agent reported them (absent fields were not reported). */
export interface AgentUsage {
  input_tokens?: number;
  cached_input_tokens?: number;
  output_tokens?: number;
  reasoning_output_tokens?: number;
  total_tokens?: number;
}

export interface AgentFileChange {
  readonly path: string;
  /** add | update | delete | rename | … as the agent says. */
  readonly kind: string;
}

/** Why a run could not talk to its model: decides "fail fast" and the sentence in the result. */
export type AgentErrorCause = "auth" | "network" | "rate_limit" | "model" | "other";

export type AgentEvent =
  /** The agent's own session/thread id (what resume takes). */
  | { readonly kind: "session"; readonly session_id: string; readonly model?: string }
  /** A turn began. */
  | { readonly kind: "turn_started" }
  /** Assistant text. `final` when the driver knows it is the run's answer. */
  | { readonly kind: "message"; readonly text: string; readonly final?: boolean }
  | { readonly kind: "reasoning"; readonly text: string }
  /** A shell command the agent ran (started, then completed with its exit code and output). */
  | {
      readonly kind: "command";
      readonly phase: "started" | "completed";
      readonly id?: string;
      readonly command: string;
      readonly exit_code?: number | null;
      readonly output?: string;
      /** The command was refused (permission/sandbox) and did not run. */
      readonly denied?: boolean;
    }
  | { readonly kind: "file_change"; readonly changes: readonly AgentFileChange[] }
  /** Any other tool call (read, edit by tool, web search, MCP, todo list…). */
  | {
      readonly kind: "tool";
      readonly phase: "started" | "completed";
      readonly id?: string;
      readonly name: string;
      readonly summary?: string;
      readonly denied?: boolean;
    }
  /** Usage for one turn/step; `cumulative` when the value replaces earlier ones instead of adding. */
  | {
      readonly kind: "usage";
      readonly usage: AgentUsage;
      readonly cost_usd?: number;
      readonly cumulative?: boolean;
    }
  /** A problem the agent reported. `fatal` when the run cannot go on (turn failed, API error). */
  | {
      readonly kind: "error";
      readonly message: string;
      readonly fatal: boolean;
      readonly cause?: AgentErrorCause;
    }
  /** The agent is retrying its model connection (not fatal by itself; many in a row are). */
  | {
      readonly kind: "retry";
      readonly message: string;
      readonly attempt?: number;
      /** Why the request failed, when the agent says (an auth failure will not fix itself). */
      readonly cause?: AgentErrorCause;
    }
  /** The turn/run ended. `ok: false` with the reason when the agent says it failed. */
  | { readonly kind: "turn_completed"; readonly ok: boolean; readonly error?: string };

export type AgentEventKind = AgentEvent["kind"];

export const AGENT_EVENT_KINDS: readonly AgentEventKind[] = [
  "session",
  "turn_started",
  "message",
  "reasoning",
  "command",
  "file_change",
  "tool",
  "usage",
  "error",
  "retry",
  "turn_completed",
];

/**
 * Reads one agent's raw stream, one line at a time, into normalized events. Stateful: some
 * streams spread one message over many deltas or report usage per step.
 */
export interface AgentStreamReader {
  /** Every normalized event this raw line stands for ([] for noise or unknown lines). */
  push(line: string): AgentEvent[];
  /** Events held back until the stream ends (e.g. the last buffered message). */
  end(): AgentEvent[];
}
