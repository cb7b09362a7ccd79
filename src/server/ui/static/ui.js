// The page's small helpers. Everything shown comes from the server's JSON API and is put into
// the page as text (never as HTML): transcripts and diffs are written by agents.

/** An element with attributes, listeners (`on<event>`) and children (strings become text). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces an element's children, leaving out null/undefined/false (which DOM methods print). */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/** A refusal or failure from the server: its sentence, as the MCP tool says it. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(path, body) {
  const init =
    body === undefined
      ? {}
      : {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        };
  const res = await fetch(path, { ...init, credentials: "same-origin" });
  const data = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw new ApiError(res.status, data.error ?? `${res.status} ${res.statusText}`);
  return data;
}

export function duration(seconds) {
  if (seconds === undefined || seconds === null) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  const hours = Math.floor(s / 3600);
  if (hours < 48) return `${hours}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export function tokens(n) {
  if (n === undefined || n === null) return "—";
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function cost(usd) {
  return typeof usd === "number" ? `$${usd.toFixed(usd < 1 ? 4 : 2)}` : "—";
}

export function statusBadge(status) {
  return h("span", { class: `badge s-${status}`, dataset: { status } }, status);
}

export const ACTIVE = new Set(["queued", "starting", "running"]);

/** The status-dot in the header: whether live updates arrive. */
export function setLive(state) {
  const dot = document.getElementById("live");
  if (!dot) return;
  dot.className = `live ${state}`;
  dot.title = state === "on" ? "live updates" : "reconnecting…";
}

/** Shows another view of the page without a reload (app.js routes). */
export function navigate(url) {
  dispatchEvent(new CustomEvent("codexmcp:navigate", { detail: url }));
}
