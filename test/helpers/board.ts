import { promises as fsp } from "node:fs";
import http from "node:http";
import path from "node:path";
import type { ResultPromise } from "execa";
import { type Browser, chromium, type Page } from "playwright-core";
import { cli, cliProcess } from "./cli.js";
import { TEST_ROOT } from "./paths.js";
import { until } from "./wait.js";

/**
 * The system's Chromium (Debian's `chromium`, installed by .ci/run): playwright-core drives it
 * and never downloads a browser of its own. CHROMIUM_BIN points elsewhere.
 */
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";

/** Where the test run saves its screenshots (`npm run screenshots` points it at docs/img). */
export const SCREENSHOTS_DIR = path.resolve(
  process.env.CODEXMCP_SCREENSHOTS_DIR ?? path.join(TEST_ROOT, "screenshots"),
);

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    // Chromium's own sandbox cannot start as root (CI runs as root).
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
  });
}

export interface RunningBoard {
  readonly proc: ResultPromise;
  /** The first line `codexmcp ui` printed: the one-time login link. */
  readonly loginUrl: string;
  readonly origin: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

/** `codexmcp ui --port 0` as a person starts it; its login link from the first stdout line. */
export async function startBoard(
  env: NodeJS.ProcessEnv,
  args: readonly string[] = [],
): Promise<RunningBoard> {
  const proc = cliProcess(["ui", "--port", "0", ...args], env);
  let out = "";
  let err = "";
  proc.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  proc.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const loginUrl = await until(
    "codexmcp ui to print its login link",
    async () => (out.includes("\n") ? out.split("\n")[0] : undefined),
    30_000,
    50,
  );
  return {
    proc,
    loginUrl,
    origin: new URL(loginUrl).origin,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      proc.kill("SIGTERM");
      await proc;
    },
  };
}

/** A new one-time login link for the running board, as a person gets one: `codexmcp ui --login-url`. */
export async function newLoginUrl(env: NodeJS.ProcessEnv): Promise<string> {
  const r = await cli(["ui", "--login-url"], env);
  if (r.exitCode !== 0) throw new Error(`codexmcp ui --login-url failed: ${r.stderr}`);
  return r.stdout.trim().split("\n")[0] ?? "";
}

/** A page logged in through the link (the token is exchanged for a cookie, then left behind). */
export async function loggedInPage(browser: Browser, loginUrl: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  // A script error in the page shows in the test's output.
  page.on("pageerror", (err) => console.error(`page error: ${err.message}`));
  await page.goto(loginUrl);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await fsp.mkdir(SCREENSHOTS_DIR, { recursive: true });
  const file = path.join(SCREENSHOTS_DIR, name);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP request with exactly these headers (what a browser could not be made to send). */
export function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? "GET",
        headers: opts.headers ?? {},
      },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => {
          body += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}
