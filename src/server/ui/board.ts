import type http from "node:http";
import type { TaskManager } from "../../tasks/manager.js";
import { usageReport } from "../../tasks/usage.js";
import type { BoardRoutes } from "../http.js";
import { runAction } from "./actions.js";
import { BoardAuth, cookieName, readCookie, sessionCookie } from "./auth.js";
import { BoardFeed } from "./feed.js";
import { answering, RequestError, readBody, SECURITY_HEADERS, sendError, sendText } from "./respond.js";
import { BoardRows } from "./rows.js";
import { StaticFiles } from "./static.js";
import { taskDetail, taskDiff, taskEvents } from "./task-api.js";
import { streamTranscript, transcriptPage } from "./transcript.js";

const LOGIN_ADVICE =
  "Open the login link that `codexmcp ui` printed, or run `codexmcp ui --login-url` for a new one (a link works once, for 15 minutes).";

function intParam(q: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new RequestError(400, `${name} must be a whole number from 0 to ${max}.`);
  return n;
}

/**
 * The web board on the HTTP server: the page, its JSON API and its event streams. A browser logs
 * in once with a one-time link and then carries an HttpOnly, SameSite=Strict cookie; scripts may
 * send the bearer token instead. Host and foreign Origins were checked by the HTTP server; here a
 * cross-site request, and a cookie's state-changing request without an Origin, are refused.
 */
export function createBoard(manager: TaskManager, key: Buffer): BoardRoutes & { auth: BoardAuth } {
  const auth = new BoardAuth(key);
  const rows = new BoardRows(manager);
  const feed = new BoardFeed(manager, rows);
  const files = new StaticFiles();

  const page = async (res: http.ServerResponse, name: string) => {
    const file = await files.get(name);
    if (!file) return sendError(res, 404, `No file ${name}.`);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "content-type": file.type,
      "content-length": file.body.length,
    });
    res.end(file.body);
  };

  const login = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    const outcome = auth.redeemLogin(url.searchParams.get("token") ?? "");
    if (outcome !== "ok") {
      const why =
        outcome === "used"
          ? "This login link was used already."
          : "This login link is not valid or has expired.";
      return sendText(res, 401, "codexmcp: not logged in", `${why} ${LOGIN_ADVICE}`);
    }
    const port = req.socket.localPort;
    // Redirected to a URL without the token: it leaves the address bar and the history.
    res.writeHead(303, {
      ...SECURITY_HEADERS,
      "set-cookie": sessionCookie(cookieName(port), auth.mintSession()),
      location: "/",
    });
    res.end();
  };

  const api = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL, parts: string[]) => {
    const q = url.searchParams;
    const get = req.method === "GET";
    if (parts[1] === "board" && parts.length === 2 && get)
      return answering(res, "board", () =>
        rows.page({
          offset: intParam(q, "offset", 0, 1_000_000),
          limit: Math.max(1, intParam(q, "limit", 100, 500)),
          repo: q.get("repo") || undefined,
          status: q.get("status") || undefined,
          agent: q.get("agent") || undefined,
          host: q.get("host") || undefined,
        }),
      );
    if (parts[1] === "board" && parts[2] === "stream" && get) return feed.subscribe(res);
    if (parts[1] === "usage" && parts.length === 2 && get)
      return answering(res, "usage", async () => {
        const days = intParam(q, "days", 7, 3650);
        // The same report as `codexmcp usage --days N` (today and the N-1 days before it).
        const since = new Date();
        since.setHours(0, 0, 0, 0);
        since.setDate(since.getDate() - Math.max(0, days - 1));
        const report = await usageReport(manager.store, {
          since: days === 0 ? undefined : since,
          repo: q.get("repo") || undefined,
          prices: manager.settings.usagePrices,
        });
        return { days: report.days, repos: report.repos, total: report.total, time_zone: report.time_zone };
      });
    if (parts[1] !== "tasks" || !parts[2]) throw new RequestError(404, `No API ${url.pathname}.`);
    const id = decodeURIComponent(parts[2]);
    const what = parts.slice(3).join("/");
    if (get && what === "") return answering(res, "task", () => taskDetail(manager, id));
    if (get && what === "transcript")
      return answering(res, "transcript", () =>
        transcriptPage(
          manager,
          id,
          q.has("before") ? intParam(q, "before", 0, Number.MAX_SAFE_INTEGER) : undefined,
        ),
      );
    if (get && what === "transcript/stream")
      return answering(res, "transcript", () =>
        streamTranscript(manager, id, intParam(q, "from", 0, Number.MAX_SAFE_INTEGER), res),
      );
    if (get && what === "events") return answering(res, "events", () => taskEvents(manager, id, q));
    if (get && what === "diff") return answering(res, "diff", () => taskDiff(manager, id, q));
    if (req.method === "POST" && parts.length === 4) {
      const body = await readBody(req);
      return answering(res, parts[3] ?? "", () => runAction(manager, parts[3] ?? "", id, body));
    }
    throw new RequestError(404, `No API ${req.method} ${url.pathname}.`);
  };

  return {
    auth,
    async handle(req, res, info) {
      const url = new URL(req.url ?? "/", "http://placeholder");
      try {
        if (req.headers["sec-fetch-site"] === "cross-site")
          throw new RequestError(
            403,
            "Requests from other sites are refused: open the board (or its login link) by typing or pasting it into the address bar.",
          );
        if (url.pathname === "/login" && req.method === "GET") return login(req, res, url);
        const cookie = readCookie(req.headers.cookie, cookieName(req.socket.localPort));
        const session = auth.validSession(cookie);
        if (!info.bearer && !session) {
          if (url.pathname.startsWith("/api/")) throw new RequestError(401, `Not logged in. ${LOGIN_ADVICE}`);
          return sendText(res, 401, "codexmcp: not logged in", `Not logged in. ${LOGIN_ADVICE}`);
        }
        const changes = req.method !== "GET" && req.method !== "HEAD";
        // A browser always says where a state-changing request comes from; one that does not
        // is not the board's page. (Foreign Origins were refused before this.)
        if (changes && !info.bearer && !req.headers.origin)
          throw new RequestError(403, "A state-changing request without an Origin header is refused.");
        if (changes && !/^application\/json\b/.test(req.headers["content-type"] ?? ""))
          throw new RequestError(415, "Send JSON (content-type: application/json).");
        const parts = url.pathname.split("/").filter(Boolean);
        if (parts[0] === "api") return await api(req, res, url, parts);
        if (req.method !== "GET")
          throw new RequestError(405, `${req.method} ${url.pathname} is not allowed.`);
        if (url.pathname === "/" || parts[0] === "task") return await page(res, "index.html");
        if (parts[0] === "static" && parts.length === 2) return await page(res, parts[1] ?? "");
        throw new RequestError(404, `Nothing at ${url.pathname}.`);
      } catch (err) {
        if (err instanceof RequestError) return sendError(res, err.status, err.message);
        throw err;
      }
    },
    close: () => feed.close(),
  };
}
