import type http from "node:http";
import { InputError } from "../../tools/strict.js";
import { errorMessage, UserError } from "../../util/errors.js";
import { log } from "../../util/log.js";

/** Headers every board answer carries: no framing, no sniffing, no referrer, no caching. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** A refusal: `{ error: <the sentence> }`, the same sentence an MCP client gets. */
export function sendError(res: http.ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, status, { error: message });
}

/** An HTML page of one paragraph (login refusals a browser shows as they are). */
export function sendText(res: http.ServerResponse, status: number, title: string, text: string): void {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const body = `<!doctype html><meta charset="utf-8"><title>${esc(title)}</title><p>${esc(text)}</p>\n`;
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8" });
  res.end(body);
}

/**
 * Runs a handler; a tool's refusal (UserError) becomes 409 with its sentence, bad input 400,
 * anything else 500 with what failed (as `guarded` words it for MCP).
 */
export async function answering(
  res: http.ServerResponse,
  what: string,
  body: () => Promise<unknown>,
): Promise<void> {
  try {
    const out = await body();
    if (out !== undefined) sendJson(res, 200, out);
  } catch (err) {
    if (err instanceof InputError) return sendError(res, 400, err.message);
    if (err instanceof UserError) return sendError(res, 409, err.message);
    if (err instanceof RequestError) return sendError(res, err.status, err.message);
    log.error(`web board ${what} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    sendError(
      res,
      500,
      `${what} failed unexpectedly: ${errorMessage(err)}. The server log (stderr) has details.`,
    );
  }
}

/** A request the board itself refuses (not a tool's refusal). */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 1024 * 1024;

/** A JSON object body (at most 1 MiB). */
export async function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RequestError(413, "The request body is larger than 1 MiB.");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RequestError(400, "The request body is not valid JSON.");
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new RequestError(400, "The request body must be a JSON object.");
  return value as Record<string, unknown>;
}
