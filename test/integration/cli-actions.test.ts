import { promises as fsp } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox, SERVER_BIN } from "../helpers/sandbox.js";

/** The built command as a person runs it: a prompt on stdin (or none), in a directory of their choice. */
async function run(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  opts: { input?: string; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await execa(process.execPath, [SERVER_BIN, ...args], {
    env,
    extendEnv: false,
    reject: false,
    cwd: opts.cwd,
    timeout: 180_000,
    ...(opts.input === undefined ? { stdin: "ignore" as const } : { input: opts.input }),
  });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe("every action as a command: dispatch, wait, diff, events, reply, merge, cleanup", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n", "src/a.ts": "export const a = 1;\n" });
    sb.model.script("feature", [
      { sh: "printf 'export const b = 2;\\n' > src/b.ts && git add src/b.ts && git commit -qm 'add b'" },
      { say: "feature done" },
    ]);
    sb.model.script("more", [
      { sh: "printf 'export const c = 3;\\n' > src/c.ts && git add src/c.ts && git commit -qm 'add c'" },
      { say: "more done" },
    ]);
    sb.model.script("dirty", [
      { sh: "echo uncommitted >> README.md && echo brand-new > untracked.txt" },
      { say: "left work uncommitted" },
    ]);
    sb.model.script("dirty", [
      { sh: "echo uncommitted >> README.md && echo brand-new > untracked.txt" },
      { say: "left work uncommitted" },
    ]);
    sb.model.script("fail", [{ fail: 400, message: "the model gave up" }]);
    env = sb.env();
    mcp = await McpSession.start(env);
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  it("runs a task from dispatch to cleanup without typing git, with the prompt never in argv", async () => {
    // The prompt from stdin, the project from the current directory.
    const d = await run(
      ["dispatch", "--topic", "implement-cli_flow-v1", "--sandbox", "full-access", "--json"],
      env,
      {
        input: "[[script:feature]]",
        cwd: sb.repo,
      },
    );
    expect(d.code, d.stderr).toBe(0);
    const dispatched = JSON.parse(d.stdout) as { task_id: string; cursor: string; worktree_dir: string };
    expect(dispatched.task_id).toBe("codex-implement-cli_flow-v1");
    expect(await fsp.readFile(path.join(sb.taskDir(dispatched.task_id), "prompt.md"), "utf8")).toBe(
      "[[script:feature]]",
    );

    const w = await run(["wait", dispatched.task_id, "--cursor", dispatched.cursor], env);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toContain("codex-implement-cli_flow-v1");
    expect(w.stdout).toMatch(/completed/);
    expect(w.stdout).toContain("feature done");

    const diff = await run(["diff", dispatched.task_id], env);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/ADDED\s+REMOVED\s+FILE/);
    expect(diff.stdout).toMatch(/\+1\s+-0\s+src\/b\.ts/);
    expect(diff.stdout).toContain("+export const b = 2;");
    // --json is the tool's answer, field for field.
    const diffJson = JSON.parse(
      (await run(["diff", dispatched.task_id, "--json", "--path", "src"], env)).stdout,
    );
    const toolDiff = await mcp.ok("codex_diff", { task_id: dispatched.task_id, path: "src" });
    expect(diffJson).toEqual(toolDiff);

    const ev = await run(
      ["events", dispatched.task_id, "--view", "normalized", "--types", "message,turn_completed"],
      env,
    );
    expect(ev.code, ev.stderr).toBe(0);
    const kinds = ev.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { event: { kind: string } }).event.kind);
    expect(kinds).toContain("message");
    expect(new Set(kinds)).toEqual(new Set(["message", "turn_completed"]));
    // --json is the tool's page, field for field; a page with more after it says the command
    // that reads on, in command-line words.
    const pageArgs = { task_id: dispatched.task_id, limit: 2, view: "normalized" };
    const evJson = await run(
      ["events", dispatched.task_id, "--limit", "2", "--view", "normalized", "--json"],
      env,
    );
    expect(JSON.parse(evJson.stdout)).toEqual(await mcp.ok("codex_events", pageArgs));
    const evMore = await run(["events", dispatched.task_id, "--limit", "2"], env);
    const next = (JSON.parse(evJson.stdout) as { next_cursor: number }).next_cursor;
    expect(evMore.stderr).toContain(`run codexmcp events ${dispatched.task_id} --cursor ${next}`);
    expect(evMore.stderr).not.toContain("codex_events");
    // wait --json: the tool's answer for a task that has ended.
    const waitJson = JSON.parse((await run(["wait", dispatched.task_id, "--json"], env)).stdout);
    expect(waitJson).toEqual(await mcp.ok("codex_wait", { task_ids: [dispatched.task_id] }));

    // A follow-up from a prompt file continues the conversation in the same worktree.
    const promptFile = path.join(sb.root, "follow-up.md");
    await fsp.writeFile(promptFile, "[[script:more]]");
    const r = await run(["reply", dispatched.task_id, "--prompt-file", promptFile, "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    const replied = JSON.parse(r.stdout) as { task_id: string; replied_to: string; worktree_dir: string };
    expect(replied).toMatchObject({ task_id: "codex-implement-cli_flow-v2", replied_to: dispatched.task_id });
    expect(replied.worktree_dir).toBe(dispatched.worktree_dir);
    const w2 = await run(["wait", replied.task_id, "--json"], env);
    expect(w2.code, w2.stderr).toBe(0);
    expect(JSON.parse(w2.stdout)).toMatchObject({ status: "completed", task_id: replied.task_id });

    const merged = await run(
      ["merge", replied.task_id, "--strategy", "squash", "--message", "cli squash"],
      env,
    );
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(/merged agent\/implement-cli_flow into main \(squash/);
    // The advice is a command that works: it is run below.
    expect(merged.stdout).toContain(`codexmcp cleanup ${replied.task_id} removes the worktree`);
    expect(merged.stdout).not.toContain("codex_cleanup");
    expect(gitIn(sb.repo, "log", "-1", "--format=%s")).toBe("cli squash");
    expect(await fsp.readFile(path.join(sb.repo, "src/c.ts"), "utf8")).toBe("export const c = 3;\n");

    const cleaned = await run(["cleanup", replied.task_id], env);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toContain(`cleaned  ${dispatched.worktree_dir}`);
    await expect(fsp.stat(dispatched.worktree_dir)).rejects.toThrow();
  });

  it("refuses as the tool refuses: the same sentence, exit 1, and nothing changed", async () => {
    const d = await run(
      [
        "dispatch",
        "--cwd",
        sb.repo,
        "--topic",
        "implement-unmerged-v1",
        "--sandbox",
        "full-access",
        "--json",
      ],
      env,
      {
        input: "[[script:dirty]]",
      },
    );
    expect(d.code, d.stderr).toBe(0);
    const { task_id, worktree_dir } = JSON.parse(d.stdout) as { task_id: string; worktree_dir: string };
    expect((await run(["wait", task_id], env)).code).toBe(0);

    const tool = await mcp.call("codex_cleanup", { task_id });
    expect(tool.isError).toBe(true);
    const cmd = await run(["cleanup", task_id], env);
    expect(cmd.code).toBe(1);
    expect(cmd.stderr).toContain(`codexmcp cleanup: ${tool.text}`);
    expect((await fsp.stat(worktree_dir)).isDirectory()).toBe(true);
    const asJson = await run(["cleanup", task_id, "--json"], env);
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout)).toEqual({ error: tool.text });

    // A request the tool's schema refuses: the same words, and exit 2 (wrong usage).
    const bad = { prompt: "x", cwd: sb.repo, topic: "implement user register", sandbox: "danger" };
    const toolBad = await mcp.call("codex_dispatch", bad);
    expect(toolBad.isError).toBe(true);
    const cmdBad = await run(
      ["dispatch", "--cwd", sb.repo, "--topic", bad.topic, "--sandbox", bad.sandbox],
      env,
      {
        input: "x",
      },
    );
    expect(cmdBad.code).toBe(2);
    for (const sentence of [
      "topic must look like <type>-<desc>-v<N>",
      "sandbox must be one of read-only, workspace-write, full-access",
    ]) {
      expect(toolBad.text).toContain(sentence);
      expect(cmdBad.stderr).toContain(sentence);
    }
    const tasks = await fsp.readdir(path.join(sb.home, "tasks"));
    expect(tasks).not.toContain("codex-implement-user_register-v1");

    // An empty prompt (nothing on stdin), an unknown flag, a missing task: usage, exit 2.
    const empty = await run(
      ["dispatch", "--cwd", sb.repo, "--topic", "implement-empty-v1", "--sandbox", "read-only"],
      env,
    );
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("prompt must not be empty");
    expect((await run(["merge", task_id, "--strategy", "squash", "--bogus"], env)).code).toBe(2);
    expect((await run(["diff"], env)).code).toBe(2);
    // Not UTF-8: refused rather than changed on the way.
    const latin = path.join(sb.root, "latin1.md");
    await fsp.writeFile(latin, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    const notText = await run(
      [
        "dispatch",
        "--cwd",
        sb.repo,
        "--topic",
        "implement-latin-v1",
        "--sandbox",
        "read-only",
        "--prompt-file",
        latin,
      ],
      env,
    );
    expect(notText.code).toBe(2);
    expect(notText.stderr).toContain("not UTF-8");

    // A merge the tool refuses (a bad strategy) reads the same, too.
    const toolMerge = await mcp.call("codex_merge", { task_id, strategy: "octopus" });
    const cmdMerge = await run(["merge", task_id, "--strategy", "octopus"], env);
    expect(cmdMerge.code).toBe(2);
    expect(cmdMerge.stderr).toContain('strategy must be "merge", "squash" or "rebase"');
    expect(toolMerge.text).toContain('strategy must be "merge", "squash" or "rebase"');

    // Forced, it goes, and says what it kept.
    const forced = await run(["cleanup", task_id, "--force"], env);
    expect(forced.code, forced.stderr).toBe(0);
    const saved = /kept {3}(refs\/codexmcp\/kept\/\S+)/.exec(forced.stdout)?.[1];
    expect(saved, forced.stdout).toBeDefined();
    // The uncommitted edit is in the saved ref.
    expect(gitIn(sb.repo, "show", `${saved}:README.md`)).toContain("uncommitted");
  });

  it("wait says how the task ended in its exit code, and times out when asked to", async () => {
    const d = await run(
      ["dispatch", "--cwd", sb.repo, "--topic", "review-fails-v1", "--sandbox", "read-only", "--json"],
      env,
      {
        input: "[[script:fail]]",
      },
    );
    expect(d.code, d.stderr).toBe(0);
    const { task_id } = JSON.parse(d.stdout) as { task_id: string };
    const w = await run(["wait", task_id, "--json"], env);
    expect(w.code).toBe(1);
    expect(JSON.parse(w.stdout)).toMatchObject({ task_id, status: "failed" });
    // Nothing running: a wait for any task has nothing to wait for.
    const idle = await run(["wait", "--timeout_seconds", "1", "--json"], env);
    expect(idle.code).toBe(1);
    expect(["idle", "timeout"]).toContain((JSON.parse(idle.stdout) as { status: string }).status);
  });

  it("has --help for each command, listing the tool's fields", async () => {
    const fields: Record<string, string[]> = {
      dispatch: [
        "--topic",
        "--sandbox read-only|workspace-write|full-access",
        "--agent codex|claude|",
        "--cwd",
        "--session_id",
        "--timeout_seconds",
        "--prompt-file",
      ],
      reply: ["<task>", "--agent", "--prompt-file"],
      diff: ["<task>", "--path", "--max_bytes"],
      merge: ["<task>", "--strategy merge|squash|rebase", "--message", "--commit_uncommitted"],
      cleanup: ["[task]", "--all_finished", "--force", "--older_than"],
      events: [
        "<task>",
        "--cursor",
        "--limit",
        "--view raw|normalized",
        "--types",
        "--truncate",
        "--max_bytes",
      ],
      wait: ["[task]...", "--cursor", "--timeout_seconds"],
    };
    for (const [command, expected] of Object.entries(fields)) {
      const h = await run([command, "--help"], env);
      expect(h.code, command).toBe(0);
      expect(h.stdout.startsWith(`codexmcp ${command}`)).toBe(true);
      expect(h.stdout).toContain(`codex_${command}`);
      expect(h.stdout).toContain("--json");
      for (const flag of expected) expect(h.stdout, `${command} ${flag}`).toContain(flag);
    }
    const top = await run(["--help"], env);
    for (const command of Object.keys(fields)) expect(top.stdout).toContain(`codexmcp ${command}`);
  });
});
