import http from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readHttpToken } from "../../src/core/http-token.js";
import {
  launchBrowser,
  loggedInPage,
  newLoginUrl,
  type RunningBoard,
  request,
  startBoard,
} from "../helpers/board.js";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";

describe("web board: who gets in", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  let board: RunningBoard;
  let browser: Browser;
  let cookie = "";
  let taskId = "";
  let cancelUrl = "";

  const stillRunning = async () =>
    expect((await mcp.ok("codex_status", { task_id: taskId })).status).toBe("running");

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("hang", [{ hang: true }]);
    mcp = await McpSession.start(sb.env());
    board = await startBoard(sb.env());
    browser = await launchBrowser();
    const task = await mcp.ok("codex_dispatch", {
      prompt: "[[script:hang]]",
      cwd: sb.repo,
      topic: "implement-guarded-v1",
      sandbox: "full-access",
    });
    taskId = String(task.task_id);
    cancelUrl = `${board.origin}/api/tasks/${taskId}/cancel`;
    for (let i = 0; i < 100 && (await mcp.ok("codex_status", { task_id: taskId })).status !== "running"; i++)
      await new Promise((r) => setTimeout(r, 200));
  });
  afterAll(async () => {
    await browser?.close();
    await board?.stop();
    await mcp?.close();
    await sb?.dispose();
  });

  it("refuses every request without a login: the page, its files, the API, an action", async () => {
    for (const p of ["/", `/task/${taskId}`, "/static/app.js", "/api/board", `/api/tasks/${taskId}`]) {
      const r = await request(`${board.origin}${p}`);
      expect(r.status, p).toBe(401);
      expect(r.body, p).toContain("codexmcp ui --login-url");
    }
    const post = await request(cancelUrl, {
      method: "POST",
      headers: { origin: board.origin, "content-type": "application/json" },
      body: "{}",
    });
    expect(post.status).toBe(401);
    const wrongBearer = await request(`${board.origin}/api/board`, {
      headers: { authorization: "Bearer not-the-token-not-the-token" },
    });
    expect(wrongBearer.status).toBe(401);
    await stillRunning();
  });

  it("a login link works once, for an HttpOnly SameSite=Strict cookie, and leaves the token behind", async () => {
    const bad = await request(`${board.origin}/login?token=login.99999999999999.abc.def`);
    expect(bad.status).toBe(401);
    const url = await newLoginUrl(sb.env());
    const first = await request(url);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe("/");
    const set = String(first.headers["set-cookie"]);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\//);
    cookie = set.split(";")[0] ?? "";
    const again = await request(url);
    expect(again.status).toBe(401);
    expect(again.body).toContain("used already");
    const page = await request(`${board.origin}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toMatch(/script-src 'self'/);
    expect(page.headers["x-frame-options"]).toBe("DENY");
    const api = await request(`${board.origin}/api/board`, { headers: { cookie } });
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body).rows[0].task_id).toBe(taskId);
    // A cookie that was tampered with, or one for another port, is no login.
    const [name, value = ""] = cookie.split("=");
    const tampered = `${name}=${value.slice(0, -2)}xx`;
    expect((await request(`${board.origin}/api/board`, { headers: { cookie: tampered } })).status).toBe(401);
    expect(
      (await request(`${board.origin}/api/board`, { headers: { cookie: `codexmcp_board_1=${value}` } }))
        .status,
    ).toBe(401);
  });

  it("refuses a logged-in browser's request from a foreign Origin, without an Origin, from another site or Host", async () => {
    const json = { "content-type": "application/json" };
    const foreign = await request(cancelUrl, {
      method: "POST",
      headers: { ...json, cookie, origin: "http://evil.example" },
      body: "{}",
    });
    expect(foreign.status).toBe(403);
    const otherPort = await request(cancelUrl, {
      method: "POST",
      headers: { ...json, cookie, origin: "http://127.0.0.1:1" },
      body: "{}",
    });
    expect(otherPort.status).toBe(403);
    const noOrigin = await request(cancelUrl, { method: "POST", headers: { ...json, cookie }, body: "{}" });
    expect(noOrigin.status).toBe(403);
    expect(JSON.parse(noOrigin.body).error).toMatch(/without an Origin header is refused/);
    const crossSite = await request(`${board.origin}/api/board`, {
      headers: { cookie, "sec-fetch-site": "cross-site" },
    });
    expect(crossSite.status).toBe(403);
    const rebound = await request(`${board.origin}/api/board`, {
      headers: { cookie, host: `evil.example:${new URL(board.origin).port}` },
    });
    expect(rebound.status).toBe(403);
    const form = await request(cancelUrl, {
      method: "POST",
      headers: { cookie, origin: board.origin, "content-type": "application/x-www-form-urlencoded" },
      body: "a=1",
    });
    expect(form.status).toBe(415);
    await stillRunning();
  });

  it("a page of another origin in the same browser cannot act on the board (the cookie is same-site there)", async () => {
    const page = await loggedInPage(browser, await newLoginUrl(sb.env()));
    await page.locator("tr[data-task-id]").first().waitFor();
    // Another local web page: same site (127.0.0.1), other port, so another origin.
    const attacker = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><form id="f" method="POST" action="${cancelUrl}" enctype="text/plain"><input name='{"a":"' value='"}'></form>
<script>
fetch(${JSON.stringify(cancelUrl)}, { method: "POST", credentials: "include", headers: { "content-type": "application/json" }, body: "{}" }).catch(() => {});
fetch(${JSON.stringify(cancelUrl)}, { method: "POST", credentials: "include", mode: "no-cors", body: "{}" }).catch(() => {});
setTimeout(() => document.getElementById("f").submit(), 300);
</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    try {
      const evil = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
      const answered = page.waitForResponse((r) => r.url() === cancelUrl && r.request().method() === "POST");
      await page.goto(evil);
      expect((await answered).status()).toBe(403);
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      attacker.close();
    }
    await stillRunning();
    await page.context().close();
  });

  it("the bearer token keeps working: MCP at /mcp, and the board's API for scripts", async () => {
    const token = await readHttpToken(sb.home);
    expect(token).toBeDefined();
    const client = new Client({ name: "ui-security", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${board.origin}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const status = await client.callTool({ name: "codex_status", arguments: { task_id: taskId } });
    expect((status.structuredContent as { status: string }).status).toBe("running");
    await client.close();
    const noToken = await request(`${board.origin}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    // The board's cookie is no MCP credential.
    expect(noToken.status).toBe(401);
    const api = await request(`${board.origin}/api/tasks/${taskId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body).view.status).toBe("running");
  });
});
