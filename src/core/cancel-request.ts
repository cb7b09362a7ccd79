import { readJsonIfExists } from "../util/files.js";

/** Who asked to stop a task: the recorded outcome says so in words. */
export type CancelSource = "codex_cancel" | "cli" | "client" | "api" | "ui";

/** cancel.json: written before the runner is signalled, read back when the outcome is recorded. */
export interface CancelRequest {
  readonly requested_at: string;
  readonly by_pid: number;
  /** Absent in requests written before the source was recorded (then: codex_cancel). */
  readonly by?: CancelSource;
  /** The client's own words, when a client cancelled its blocking call. */
  readonly reason?: string;
}

const BY: Record<CancelSource, string> = {
  codex_cancel: "cancelled on request (codex_cancel)",
  cli: "cancelled on request (`codexmcp cancel`)",
  client: "cancelled by the client: it cancelled the blocking codex call",
  api: "cancelled on request (the TypeScript API's cancel)",
  ui: "cancelled on request (the web board)",
};

/** The sentence a cancelled outcome starts with. */
export function cancelSentence(req: Pick<CancelRequest, "by" | "reason"> | undefined): string {
  const base = BY[req?.by ?? "codex_cancel"];
  return req?.reason ? `${base} (reason: ${req.reason})` : base;
}

export async function readCancelRequest(file: string): Promise<CancelRequest | undefined> {
  return readJsonIfExists<CancelRequest>(file).catch(() => undefined);
}
