import { promises as fsp } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  launchBrowser,
  loggedInPage,
  newLoginUrl,
  type RunningBoard,
  screenshot,
  startBoard,
} from "../helpers/board.js";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";

/** A shell step that waits until the test creates `gate` (Codex waits up to 30 s for a command). */
const waitFor = (gate: string) => `while [ ! -e ${gate} ]; do sleep 0.1; done`;

describe("web board: the board and a task page in a real browser", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  let board: RunningBoard;
  let browser: Browser;
  let second: string;

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# first\n", "src/app.ts": "export const version = 1;\n" });
    second = await sb.newRepo("second", { "README.md": "# second\n" });
    sb.model.script("quick", [
      { sh: "printf 'hello\\n' > hello.txt && git add hello.txt && git commit -qm hello" },
      { say: "quick one done" },
    ]);
    sb.model.script("gated", [
      { sh: waitFor(path.join(sb.root, "gate-board")) },
      { sh: "printf 'late\\n' > late.txt && git add late.txt && git commit -qm late" },
      { say: "gated one done" },
    ]);
    sb.model.script("streamed", [
      { sh: "echo first-marker-1234" },
      { sh: waitFor(path.join(sb.root, "gate-stream")) },
      {
        sh: "printf '// the answer\\nexport const answer = \"forty-two\";\\nexport function add(a: number, b: number) {\\n  return a + b;\\n}\\n' > src/answer.ts && printf 'export const version = 2;\\n' > src/app.ts && git add -A && git commit -qm answer",
      },
      { say: "streamed-finished-5678" },
    ]);
    mcp = await McpSession.start(sb.env());
    board = await startBoard(sb.env());
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await board?.stop();
    await mcp?.close();
    await sb?.dispose();
  });

  it("lists tasks from two repositories and updates a row without a reload when its task ends", async () => {
    await mcp.ok("codex", {
      prompt: "[[script:quick]]",
      cwd: sb.repo,
      topic: "implement-first_repo-v1",
      sandbox: "full-access",
    });
    const gated = await mcp.ok("codex_dispatch", {
      prompt: "[[script:gated]]",
      cwd: second,
      topic: "implement-second_repo-v1",
      sandbox: "full-access",
    });
    const page = await loggedInPage(browser, board.loginUrl);
    // The token was exchanged for a cookie and left the address bar.
    expect(page.url()).toBe(`${board.origin}/`);
    const first = page.locator('tr[data-task-id="codex-implement-first_repo-v1"]');
    const gatedRow = page.locator(`tr[data-task-id="${gated.task_id}"]`);
    await first.waitFor();
    await expect(first.locator("td").nth(2).textContent()).resolves.toBe("project");
    await expect(gatedRow.locator("td").nth(2).textContent()).resolves.toBe("second");
    await expect(first.getAttribute("data-status")).resolves.toBe("completed");
    expect(["queued", "starting", "running"]).toContain(await gatedRow.getAttribute("data-status"));
    // Diff size and tokens of the ended task are on its row.
    await expect(first.textContent()).resolves.toMatch(/\+1\s*−0\s*1f/);
    const repos = await page.locator('select[name="repo"] option').allTextContents();
    expect(repos.join("|")).toMatch(/project \(1\).*second \(1\)|second \(1\).*project \(1\)/);

    // A marker on the window survives only if the page is not reloaded.
    await page.evaluate(() => {
      (globalThis as unknown as { marker: number }).marker = 42;
    });
    await fsp.writeFile(path.join(sb.root, "gate-board"), "");
    await page
      .locator(`tr[data-task-id="${gated.task_id}"][data-status="completed"]`)
      .waitFor({ timeout: 90_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(42);
    await expect(page.locator(`tr[data-task-id="${gated.task_id}"]`).textContent()).resolves.toContain(
      "gated one done",
    );

    // Filters: by repository, then by status.
    await page.selectOption('select[name="repo"]', second);
    await page.locator('tr[data-task-id="codex-implement-first_repo-v1"]').waitFor({ state: "detached" });
    await expect(page.locator("tbody tr[data-task-id]").count()).resolves.toBe(1);
    await page.selectOption('select[name="repo"]', "");
    await page.selectOption('select[name="status"]', "active");
    // The filter re-renders after the change event: wait for it rather than read at once.
    await page.locator("tbody", { hasText: "No task matches" }).waitFor();
    await expect(page.locator("tbody tr[data-task-id]").count()).resolves.toBe(0);
    await page.selectOption('select[name="status"]', "");
    await first.waitFor();
    // Totals per day and per repository, as `codexmcp usage --days 7` counts them.
    await page.click('details[data-panel="usage"] summary');
    const perRepo = page.locator('table[data-usage="repo"]');
    await perRepo.waitFor();
    await expect(perRepo.textContent()).resolves.toMatch(/project\s*1/);
    await expect(perRepo.textContent()).resolves.toMatch(/second\s*1/);
    await expect(page.locator('table[data-usage="day"] tr').count()).resolves.toBeGreaterThanOrEqual(2);
    await page.click('details[data-panel="usage"] summary');
    await screenshot(page, "board.png");
    await page.context().close();
  });

  it("a task page streams its transcript live and shows its diff side by side", async () => {
    const task = await mcp.ok("codex_dispatch", {
      prompt: "[[script:streamed]]\nAdd an answer module.",
      cwd: sb.repo,
      topic: "implement-answer_module-v1",
      sandbox: "full-access",
    });
    const page = await loggedInPage(browser, await newLoginUrl(sb.env()));
    await page.goto(`${board.origin}/task/${task.task_id}`);
    const transcript = page.locator('[data-role="transcript"]');
    await until("the transcript to show the first command", async () =>
      (await transcript.textContent())?.includes("first-marker-1234"),
    );
    expect(await transcript.textContent()).not.toContain("streamed-finished-5678");
    await page.evaluate(() => {
      (globalThis as unknown as { marker: number }).marker = 7;
    });
    await fsp.writeFile(path.join(sb.root, "gate-stream"), "");
    await until("the transcript to show the final message", async () =>
      (await transcript.textContent())?.includes("streamed-finished-5678"),
    );
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(7);
    await untilEnded(mcp, String(task.task_id));
    await page.locator('[data-role="result"]').waitFor();
    await expect(page.locator('[data-role="result"]').textContent()).resolves.toContain(
      "streamed-finished-5678",
    );

    await page.click('button[data-tab="prompt"]');
    await expect(page.locator('[data-role="prompt"]').textContent()).resolves.toBe(
      "[[script:streamed]]\nAdd an answer module.",
    );

    await page.click('button[data-tab="diff"]');
    const answerFile = page.locator('section.file[data-file="src/answer.ts"]');
    await answerFile.locator("table.sbs").waitFor();
    // Per-file stats, and both sides of a changed line.
    await expect(page.locator('table.files tr[data-file="src/answer.ts"]').textContent()).resolves.toMatch(
      /\+5\s*−0/,
    );
    const app = page.locator('section.file[data-file="src/app.ts"] table.sbs');
    await expect(app.locator("td.code.del").first().textContent()).resolves.toBe("export const version = 1;");
    await expect(app.locator("td.code.ins").first().textContent()).resolves.toBe("export const version = 2;");
    // Syntax-aware: keywords, strings and comments are marked.
    await expect(answerFile.locator(".t-k").first().textContent()).resolves.toBe("export");
    await expect(answerFile.locator(".t-s").first().textContent()).resolves.toBe('"forty-two"');
    await expect(answerFile.locator(".t-c").first().textContent()).resolves.toBe("// the answer");
    await screenshot(page, "task.png");

    await page.click('button[data-tab="events"]');
    await page.locator('table.events tr[data-kind="turn_completed"]').waitFor();
    await expect(page.locator("table.events tr[data-kind]").count()).resolves.toBeGreaterThan(3);
    await page.context().close();
  });
});
