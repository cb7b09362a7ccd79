import type { AgentErrorCause } from "../core/agent-events.js";

/** The HTTP status an error message names ("API Error: 429 …", `"code":400`, "status 401"). */
export function statusIn(text: string): number | undefined {
  const match =
    /API Error:?\s*(\d{3})\b/i.exec(text) ??
    /"(?:code|status|statusCode)"\s*:\s*(\d{3})\b/.exec(text) ??
    /\b(?:status(?: code)?|HTTP)\s*:?\s*(\d{3})\b/i.exec(text);
  return match?.[1] ? Number(match[1]) : undefined;
}

const AUTH_TEXT =
  /invalid[ _-]?(x-)?api[ _-]?key|incorrect api key|not logged in|please run \/login|unauthori[sz]ed|authentication|permission_denied|forbidden/i;
const NETWORK_TEXT =
  /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|connection (refused|reset|closed|error)|fetch failed|socket hang up|network|timed? ?out|stream disconnected|could not connect|error sending request|unreachable|dns/i;
const RATE_TEXT = /rate[ _-]?limit|too many requests|resource_exhausted|quota/i;

/**
 * Why the model could not be reached: auth (401/403, a bad key, not logged in), rate_limit (429),
 * network (refused, reset, timed out), model (any other status the API answered with), other.
 */
export function errorCause(message: string, status?: number): AgentErrorCause {
  const code = status ?? statusIn(message);
  if (code === 401 || code === 403) return "auth";
  if (code === 429) return "rate_limit";
  if (AUTH_TEXT.test(message)) return "auth";
  if (RATE_TEXT.test(message)) return "rate_limit";
  if (NETWORK_TEXT.test(message)) return "network";
  if (code !== undefined && code >= 400) return "model";
  return "other";
}

/** The sentence every driver uses for a run that could not reach its model. */
export function explainModelFailure(
  label: string,
  loginHint: string,
  cause: AgentErrorCause,
  message: string,
): string {
  switch (cause) {
    case "auth":
      return `${label} is not logged in or its credentials were refused: ${loginHint} (${message})`;
    case "network":
      return `${label} cannot reach its model provider: ${message}`;
    case "rate_limit":
      return `${label} was rate-limited by its model provider: ${message}`;
    default:
      return `${label} failed talking to its model: ${message}`;
  }
}
