/**
 * Why a client cancelled a blocking call: its own tool timeout, or a person. MCP clients send the
 * same `notifications/cancelled` for both, so the server decides from what it has:
 *
 * - the reason string: SDK-based clients (Claude Code, Cursor, the TypeScript SDK) give their
 *   timeout's error text, "McpError: MCP error -32001: Request timed out"; an abort by a person
 *   carries the abort's reason instead;
 * - the timing: Codex (0.169, 0.171) sends "MCP request cancelled by caller" for both its tool
 *   timeout and a person's interrupt, so a cancel that arrives once the call has lasted the
 *   client's tool timeout is taken for that timeout. The timeout is CODEXMCP_CLIENT_TOOL_TIMEOUT
 *   (which `codexmcp install` writes next to the client's own setting), else the client's default.
 */
export type ClientCancelKind = "timeout" | "person";

/** Tool-call timeouts of clients that do not say "timed out", by their initialize clientInfo.name. */
const DEFAULT_TIMEOUTS_SECONDS: Record<string, number> = {
  // codex-rs/codex-mcp rmcp_client.rs DEFAULT_TOOL_TIMEOUT (300 s since mid-2026).
  "codex-mcp-client": 300,
};

const TIMEOUT_WORDS = /time[ds]?[ _-]?out|timeout|deadline/i;
/** Timers fire a little late; a cancel this close to the timeout is the timeout. */
const SLACK_SECONDS = 1;

export function clientCancelKind(opts: {
  readonly reason: string;
  readonly elapsedSeconds: number;
  readonly clientName?: string | undefined;
  readonly clientTimeoutSeconds?: number | undefined;
}): { kind: ClientCancelKind; why: string } {
  if (TIMEOUT_WORDS.test(opts.reason)) return { kind: "timeout", why: "the client's tool-call timeout" };
  const limit =
    opts.clientTimeoutSeconds ?? (opts.clientName ? DEFAULT_TIMEOUTS_SECONDS[opts.clientName] : undefined);
  if (limit !== undefined && opts.elapsedSeconds >= limit - SLACK_SECONDS)
    return {
      kind: "timeout",
      why: `the client's tool-call timeout (${limit}s${opts.clientTimeoutSeconds === undefined ? `, ${opts.clientName}'s default` : ""})`,
    };
  return { kind: "person", why: "the client cancelled the call" };
}
