import { promises as fsp } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, loggedInPage, newLoginUrl, type RunningBoard, startBoard } from "../helpers/board.js";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox, sh } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";

/** Everything about a repository's state that "nothing was changed" covers. */
function repoState(repo: string) {
  const g = (...args: string[]) => sh("git", args, repo);
  return {
    refs: g("for-each-ref", "--format=%(refname) %(objectname)"),
    status: g("status", "--porcelain=v1", "--untracked-files=all"),
    worktrees: g("worktree", "list", "--porcelain"),
  };
}

/**
 * Waits until the page's notice (an answer's sentence, or a refusal's) reads `expected`; the
 * sentence it shows then (the last one read, in the failure).
 */
async function notice(page: Page, role: "message" | "refusal", expected: string | RegExp): Promise<string> {
  const el = page.locator(`.notice[data-role="${role}"]`).first();
  let last = "";
  await until(`the page to say ${String(expected)} (it says: ${last})`, async () => {
    last = (await el.textContent({ timeout: 1000 }).catch(() => "")) ?? "";
    return typeof expected === "string" ? last === expected : expected.test(last);
  });
  return last;
}

describe("web board: actions from a task page do what the tools do", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  let board: RunningBoard;
  let browser: Browser;

  const files = { "README.md": "# demo\n", "shared.txt": "line 1\nline 2\n" };
  const open = async (taskId: string) => {
    const page = await loggedInPage(browser, await newLoginUrl(sb.env()));
    await page.goto(`${board.origin}/task/${taskId}`);
    await page.locator(".facts").waitFor();
    return page;
  };
  const run = (script: string, topic: string, repo = sb.repo) =>
    mcp.ok("codex", { prompt: `[[script:${script}]]`, cwd: repo, topic, sandbox: "full-access" });

  beforeAll(async () => {
    sb = await Sandbox.create(files);
    sb.model.script("feature", [
      {
        sh: "printf 'b\\n' > b.txt && git add b.txt && git commit -qm 'add b' && printf 'c\\n' > c.txt && git add c.txt && git commit -qm 'add c'",
      },
      { say: "feature done" },
    ]);
    sb.model.script("conflict", [
      { sh: "printf 'line 1\\nagent version\\n' > shared.txt && git commit -qam 'agent edits shared'" },
      { say: "edited shared" },
    ]);
    sb.model.script("dirty", [
      { sh: "echo work-in-progress > notes.txt" },
      { say: "left notes uncommitted" },
    ]);
    sb.model.script("replied", [
      { sh: "printf 'from the reply\\n' > reply.txt && git add reply.txt && git commit -qm reply" },
      { say: "reply done" },
    ]);
    sb.model.script("hang", [{ hang: true }]);
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

  it("cancel stops a running task (recorded as the web board's cancel); reply to it is refused with the tool's sentence", async () => {
    const task = await mcp.ok("codex_dispatch", {
      prompt: "[[script:hang]]",
      cwd: sb.repo,
      topic: "implement-stopme-v1",
      sandbox: "full-access",
    });
    const page = await open(String(task.task_id));
    // A reply while it runs: the same refusal an MCP client gets, shown on the page.
    const viaMcp = await mcp.call("codex_reply", { task_id: task.task_id, prompt: "more" });
    expect(viaMcp.isError).toBe(true);
    await page.click('details[data-panel="reply"] summary');
    await page.fill('[data-role="reply-prompt"]', "more");
    await page.click('button[data-action="reply"]');
    await notice(page, "refusal", viaMcp.text);

    await page.click('button[data-action="cancel"]');
    await page.click('button[data-action="cancel-confirm"]');
    await notice(page, "message", /is cancelled; its processes are stopped/);
    const status = await mcp.ok("codex_status", { task_id: task.task_id });
    expect(status.status).toBe("cancelled");
    expect(String(status.error)).toContain("the web board");
    expect(sb.tmux("has-session", "-t", String(task.tmux_session))).toBe("");
    await page.context().close();
  });

  it("reply continues an ended task as its next version, in its worktree", async () => {
    const first = await run("feature", "implement-talk-v1");
    const page = await open(String(first.task_id));
    await page.click('details[data-panel="reply"] summary');
    await page.fill('[data-role="reply-prompt"]', "[[script:replied]]");
    await page.click('button[data-action="reply"]');
    await page.waitForURL(`${board.origin}/task/codex-implement-talk-v2`);
    const ended = await untilEnded(mcp, "codex-implement-talk-v2");
    expect(ended).toMatchObject({ status: "completed", result: "reply done" });
    expect(await fsp.readFile(path.join(String(first.worktree_dir), "reply.txt"), "utf8")).toBe(
      "from the reply\n",
    );
    await page.context().close();
  });

  it("merge shows each strategy's pre-check, then merges; cleanup shows what it removes, then removes it", async () => {
    const repo = await sb.newRepo("merge-me", files);
    const task = await run("feature", "implement-mergeme-v1", repo);
    const before = repoState(repo);
    const page = await open(String(task.task_id));
    await page.click('details[data-panel="merge"] summary');
    for (const strategy of ["merge", "squash", "rebase"]) {
      const check = page.locator(`.check[data-strategy="${strategy}"]`);
      await check.waitFor();
      expect(await check.getAttribute("data-check")).toBe("ok");
      expect(await check.textContent()).toMatch(/would bring 2 commit\(s\).*nothing was changed/);
    }
    // The pre-check changed nothing.
    expect(repoState(repo)).toEqual(before);
    await page.fill('[data-role="merge-message"]', "take it from the board");
    await page.click('button[data-action="merge-squash"]');
    await notice(page, "message", /is in main \(squash\)/);
    expect(gitIn(repo, "log", "-1", "--format=%s", "main")).toBe("take it from the board");
    expect(await fsp.readFile(path.join(repo, "c.txt"), "utf8")).toBe("c\n");
    expect(gitIn(repo, "status", "--porcelain")).toBe("");

    await page.click('details[data-panel="cleanup"] summary');
    const preview = page.locator('[data-preview="plain"]');
    await preview.waitFor();
    expect(await preview.textContent()).toContain(`Removes the worktree ${task.worktree_dir}`);
    expect(await preview.textContent()).toContain("deletes the merged branch agent/implement-mergeme");
    await expect(fsp.stat(String(task.worktree_dir))).resolves.toBeTruthy();
    await page.click('button[data-action="cleanup"]');
    await notice(page, "message", "1 cleaned up.");
    await expect(fsp.stat(String(task.worktree_dir))).rejects.toThrow();
    expect(gitIn(repo, "branch", "--list", "agent/implement-mergeme")).toBe("");
    await page.context().close();
  });

  it("a predicted conflict shows before the click and merges nothing", async () => {
    const repo = await sb.newRepo("clash", files);
    const task = await run("conflict", "implement-clash-v1", repo);
    await fsp.writeFile(path.join(repo, "shared.txt"), "line 1\nmain version\n");
    gitIn(repo, "commit", "-qam", "main edits shared");
    const before = repoState(repo);
    const page = await open(String(task.task_id));
    await page.click('details[data-panel="merge"] summary');
    const check = page.locator('.check[data-strategy="merge"]');
    await check.waitFor();
    expect(await check.getAttribute("data-check")).toBe("warn");
    expect(await check.textContent()).toMatch(/would conflict in shared\.txt/);
    await page.click('button[data-action="merge-merge"]');
    const viaMcp = await mcp.ok("codex_merge", { task_id: task.task_id, strategy: "merge" });
    await notice(page, "refusal", String(viaMcp.hint));
    expect(repoState(repo)).toEqual(before);
    await page.context().close();
  });

  it("cleanup of uncommitted work is refused with the tool's sentence; with force it shows what it keeps and keeps it", async () => {
    const repo = await sb.newRepo("dirty", files);
    const task = await run("dirty", "implement-dirty-v1", repo);
    const page = await open(String(task.task_id));
    await page.click('details[data-panel="cleanup"] summary');
    const viaMcp = await mcp.call("codex_cleanup", { task_id: task.task_id });
    expect(viaMcp.isError).toBe(true);
    const refusal = page.locator('details[data-panel="cleanup"] [data-role="refusal"]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toBe(viaMcp.text);
    const forced = page.locator('[data-preview="forced"]');
    await forced.waitFor();
    expect(await forced.locator('[data-role="keeps"]').textContent()).toMatch(
      /1 uncommitted or untracked change, committed under refs\/codexmcp\/kept\//,
    );
    await page.click('button[data-action="cleanup-force"]');
    await notice(page, "message", "1 cleaned up.");
    await expect(fsp.stat(String(task.worktree_dir))).rejects.toThrow();
    const kept = await until("the kept ref", async () =>
      gitIn(repo, "for-each-ref", "--format=%(refname)", "refs/codexmcp/kept/"),
    );
    const worktreeRef = kept.split("\n").find((r) => r.includes("worktree"));
    expect(worktreeRef).toBeDefined();
    expect(gitIn(repo, "show", `${worktreeRef}:notes.txt`)).toBe("work-in-progress");
    await page.context().close();
  });

  it("the attach command is shown and copied", async () => {
    const task = await mcp.ok("codex_status", { task_id: "codex-implement-talk-v1" });
    const page = await open("codex-implement-talk-v1");
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: board.origin });
    const shown = await page.locator('[data-role="attach-command"]').textContent();
    expect(shown).toBe(task.attach_command);
    await page.click('button[data-action="copy-attach"]');
    await expect(
      page.evaluate(() =>
        (
          globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
        ).navigator.clipboard.readText(),
      ),
    ).resolves.toBe(task.attach_command);
    await page.context().close();
  });
});
