import type { AgentErrorCause } from "../core/agent-events.js";

/**
 * Why a model request failed, from the words and status codes agents print. Shared by the
 * drivers: they all relay their HTTP client's errors, which say the same things.
 */
export function errorCause(message: string): AgentErrorCause {
  const m = message.toLowerCase();
  if (
    /\b(401|403)\b/.test(m) ||
    /unauthori[sz]ed|forbidden|invalid[ _-]?api[ _-]?key|api key|not logged in|authentication|please (run|log ?in)|login required|credentials/.test(
      m,
    )
  )
    return "auth";
  if (/\b429\b|rate[ _-]?limit|quota|too many requests/.test(m)) return "rate_limit";
  if (
    /econnrefused|enotfound|eai_again|econnreset|etimedout|socket hang up|fetch failed|network|connection (refused|reset|closed|error)|stream disconnected|could not connect|dns|timed? ?out|unreachable/.test(
      m,
    )
  )
    return "network";
  if (/\b(400|404|422|5\d\d)\b|model/.test(m)) return "model";
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
