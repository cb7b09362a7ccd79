import type http from "node:http";

/**
 * One step of a script. The same steps drive every CLI: each protocol module turns a step into its
 * own wire shape (a text answer, or a call of the shell tool the CLI offers).
 */
export type ScriptStep =
  | { readonly say: string; readonly delayMs?: number }
  | { readonly sh: string; readonly delayMs?: number }
  /** Codex's apply_patch format; only the Responses protocol (Codex) can carry it. */
  | { readonly patch: string; readonly delayMs?: number }
  /**
   * Call a tool the CLI offers, by its name there; Codex offers an MCP server's tools in a
   * namespace (`mcp__<server>`), which `namespace` names.
   */
  | {
      readonly call: string;
      readonly namespace?: string;
      readonly args?: Record<string, unknown>;
      readonly delayMs?: number;
    }
  /** Never answer (the connection stays open): a run that only a timeout or cancel ends. */
  | { readonly hang: true }
  /** Answer with an HTTP error status. */
  | { readonly fail: number; readonly message?: string };

export type ProtocolName = "responses" | "anthropic" | "gemini" | "chat";

/** A request body as JSON, loosely typed: each protocol reads only what it needs. */
export type RequestBody = { readonly model?: string; readonly [key: string]: unknown };

/** The conversation reduced to what picks the script and the step. */
export type ConversationEntry =
  | { readonly kind: "user"; readonly text: string }
  | { readonly kind: "assistant" }
  | { readonly kind: "tool_result" };

export interface OfferedTool {
  readonly name: string;
  /** The tool's parameters as JSON schema. */
  readonly schema: JsonSchema | undefined;
}

export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly items?: JsonSchema;
  readonly minimum?: number;
  readonly [key: string]: unknown;
}

/** What a protocol module reads off one request. */
export interface RequestView {
  readonly entries: readonly ConversationEntry[];
  readonly tools: readonly OfferedTool[];
  /** Set when the request demands a JSON answer (Gemini's router and next-speaker checks, …). */
  readonly jsonSchema?: JsonSchema;
  readonly stream: boolean;
}

/** The scripted model's answer, before it is put into a protocol's wire shape. */
export type Answer =
  | { readonly kind: "text"; readonly text: string }
  | {
      readonly kind: "tool_call";
      readonly name: string;
      readonly args: Record<string, unknown>;
      /** The namespace the tool is offered in (Responses: `mcp__<server>` for MCP tools). */
      readonly namespace?: string;
    };

export interface Protocol {
  readonly name: ProtocolName;
  /** Whether a POST to this path (query string included) belongs to this protocol. */
  matches(url: string): boolean;
  read(body: RequestBody, url: string): RequestView;
  /** The call that runs `command` with the shell tool this request offers; undefined when it offers none. */
  shellCall(view: RequestView, command: string): Answer | undefined;
  respond(res: http.ServerResponse, answer: Answer, body: RequestBody, url: string, n: number): void;
  fail(res: http.ServerResponse, status: number, message: string): void;
}

/** Token counts every protocol reports (each in its own shape), so each CLI prints usage. */
export const USAGE = { input: 100, cached: 10, output: 20, reasoning: 5 } as const;
