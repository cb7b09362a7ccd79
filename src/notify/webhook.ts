import { createHmac } from "node:crypto";
import type { NotifySettings } from "../config/settings.js";
import { errorMessage } from "../util/errors.js";
import type { NotifyPayload } from "./payload.js";

type Webhook = NonNullable<NotifySettings["webhook"]>;

export interface Delivery {
  readonly ok: boolean;
  readonly attempts: number;
  /** The receiver's last HTTP status, if it answered. */
  readonly http_status?: number;
  /** Why the last attempt failed, in words that never contain the URL. */
  readonly error?: string;
}

/** Why a request failed, without the URL (it may carry a token): a code, or a status. */
function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  if (cause && typeof cause.code === "string") return cause.code;
  if ((err as { name?: unknown }).name === "TimeoutError") return "timed out";
  return (err as { name?: string }).name ?? errorMessage(err).slice(0, 40);
}

/**
 * POSTs the payload, retrying network errors, 429 and 5xx with growing pauses. Never throws:
 * the outcome says how it went. Redirects are not followed (a redirect would re-send the body,
 * and its signature, wherever the receiver points).
 */
export async function deliverWebhook(
  hook: Webhook,
  payload: NotifyPayload,
  opts: { sleep?: (ms: number) => Promise<void>; signal?: AbortSignal } = {},
): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "codexmcp-notify",
    "x-codexmcp-event": payload.event,
  };
  if (hook.secret)
    headers["x-codexmcp-signature"] =
      `sha256=${createHmac("sha256", hook.secret).update(body).digest("hex")}`;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last: Delivery = { ok: false, attempts: 0 };
  for (let attempt = 1; attempt <= hook.retries + 1; attempt++) {
    if (attempt > 1) await sleep(1000 * 2 ** (attempt - 2));
    if (opts.signal?.aborted) return last;
    try {
      const res = await fetch(hook.url, {
        method: "POST",
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(hook.timeoutSeconds * 1000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300)
        return { ok: true, attempts: attempt, http_status: res.status };
      last = { ok: false, attempts: attempt, http_status: res.status, error: `HTTP ${res.status}` };
      // A 4xx other than 429 will not change by asking again.
      if (res.status < 500 && res.status !== 429) return last;
    } catch (err) {
      last = { ok: false, attempts: attempt, error: reason(err) };
    }
  }
  return last;
}
