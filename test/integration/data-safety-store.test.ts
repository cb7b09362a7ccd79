import { execFileSync } from "node:child_process";
import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive } from "../../src/proc/liveness.js";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox } from "../helpers/sandbox.js";
import { taskRuns, until, untilEnded } from "../helpers/wait.js";

/**
 * The task store against what disks and crashes do, and two codexmcp instances on one machine:
 * torn journal lines, truncated or edited store files, a cancel racing the task's own end, the
 * process tag, and a few hostile `cwd`s.
 */
describe("data safety: the task store", () => {
  let sb: Sandbox;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("quick", [{ say: "quick done" }]);
    sb.model.script("commit", [
      { sh: "echo c > c.txt && git add c.txt && git commit -qm c" },
      { say: "committed" },
    ]);
    sb.model.script("sleepy", [{ sh: "sleep 5 && echo survived" }, { say: "slept" }]);
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  const run = (topic: string, script = "quick", sandbox = "read-only", cwd = sb.repo) =>
    mcp.ok("codex", { prompt: `[[script:${script}]]`, cwd, topic, sandbox });

  it("11: a torn last line in completions.jsonl swallows no completion: both codex_wait forms see it", async () => {
    const journal = path.join(sb.home, "completions.jsonl");
    await run("review-before-v1");
    // A writer that died mid-append left half a record and no newline.
    await fsp.appendFile(journal, '{"task_id":"codex-review-torn-v1","status":"compl');
    const d = await mcp.ok("codex_dispatch", {
      prompt: "[[script:quick]]",
      cwd: sb.repo,
      topic: "review-aftertorn-v1",
      sandbox: "read-only",
    });
    const withCursor = await mcp.ok("codex_wait", {
      task_ids: [d.task_id],
      cursor: d.cursor,
      timeout_seconds: 60,
    });
    expect(withCursor).toMatchObject({ status: "completed", task_id: d.task_id });
    const noCursor = await mcp.ok("codex_wait", { task_ids: [d.task_id], timeout_seconds: 5 });
    expect(noCursor).toMatchObject({ status: "completed", task_id: d.task_id });
    // Any task from the dispatch cursor: the earlier run's line may land after that cursor (its
    // journal line follows its result), so follow the cursors until this task's completion.
    let cursor = String(d.cursor);
    const seen: string[] = [];
    for (let i = 0; i < 3 && !seen.includes(String(d.task_id)); i++) {
      const next = await mcp.ok("codex_wait", { cursor, timeout_seconds: 5 });
      expect(next.status).toBe("completed");
      seen.push(String(next.task_id));
      cursor = String(next.cursor);
    }
    expect(seen).toContain(d.task_id);
    // The record starts on a line of its own; the fragment stays a line by itself.
    const lines = (await fsp.readFile(journal, "utf8")).split("\n");
    expect(lines).toContain('{"task_id":"codex-review-torn-v1","status":"compl');
    expect(
      lines.filter((l) => l.includes('"codex-review-aftertorn-v1"')).map((l) => JSON.parse(l).status),
    ).toEqual(["completed"]);
  });

  it("12: a truncated meta.json shows the task as damaged with what can be recovered; cleanup archives it and the topic runs again", async () => {
    const r = await run("implement-cut-v1", "commit", "full-access");
    const metaFile = path.join(sb.taskDir(String(r.task_id)), "meta.json");
    // The disk damages a file at rest: wait until the runner has marked meta.json and exited, or
    // its last write could land after the damage and undo it.
    const text = await until("the runner to mark meta.json and exit", async () => {
      const t = await fsp.readFile(metaFile, "utf8");
      const runner = JSON.parse(await fsp.readFile(path.join(path.dirname(metaFile), "runner.json"), "utf8"));
      return JSON.parse(t).status === "completed" && !isAlive(runner) && t;
    });
    await fsp.writeFile(metaFile, text.slice(0, Math.floor(text.length * 0.6)));

    const list = await mcp.ok("codex_status", {});
    const item = (list.tasks as Record<string, unknown>[]).find((t) => t.task_id === r.task_id);
    expect(item).toMatchObject({ status: "damaged" });
    expect(String(item?.error)).toMatch(/meta\.json is damaged/);
    const status = await mcp.ok("codex_status", { task_id: r.task_id });
    expect(status.status).toBe("damaged");
    const damage = status.damage as { files: { file: string }[]; recoverable: string[]; hint: string };
    expect(damage.files.map((f) => f.file)).toEqual(["meta.json"]);
    expect(damage.recoverable.join("\n")).toMatch(/the prompt: .*prompt\.md/);
    expect(damage.recoverable.join("\n")).toMatch(/the outcome: completed, session /);
    for (const [tool, args] of [
      ["codex_reply", { task_id: r.task_id, prompt: "more" }],
      ["codex_merge", { task_id: r.task_id, strategy: "merge" }],
    ] as const) {
      const refused = await mcp.call(tool, args);
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/is damaged \(meta\.json: .*\), so it cannot be .*codex_cleanup/);
    }
    // The worktree is the agent's, untouched.
    expect(gitIn(String(r.worktree_dir), "log", "-1", "--format=%s")).toBe("c");

    const cleaned = await mcp.ok("codex_cleanup", { task_id: r.task_id });
    const archived = cleaned.damaged_archived as { task_id: string; archived_to: string }[];
    expect(archived).toEqual([
      { task_id: r.task_id, archived_to: expect.stringMatching(/history\/1-.*-damaged$/) },
    ]);
    expect(await fsp.readFile(path.join(archived[0]?.archived_to ?? "", "meta.json"), "utf8")).toBe(
      text.slice(0, Math.floor(text.length * 0.6)),
    );
    const again = await run("implement-cut-v1", "commit", "full-access");
    expect(again.status).toBe("completed");
  });

  it("12: every store file an observer reads is validated: result.json, runner.json, merge.json, the journal", async () => {
    const a = await run("review-badresult-v1");
    await fsp.writeFile(path.join(sb.taskDir(String(a.task_id)), "result.json"), '{"task_id": 1}');
    const sa = await mcp.ok("codex_status", { task_id: a.task_id });
    expect(sa).toMatchObject({ status: "damaged" });
    expect(JSON.stringify(sa.damage)).toMatch(/result\.json.*task_id/);

    const b = await run("review-badrunner-v1");
    const bDir = sb.taskDir(String(b.task_id));
    await fsp.rm(path.join(bDir, "result.json"));
    await fsp.writeFile(path.join(bDir, "runner.json"), "{ not json");
    await fsp.writeFile(
      path.join(bDir, "meta.json"),
      (await fsp.readFile(path.join(bDir, "meta.json"), "utf8")).replace(
        /"status": "completed"/,
        '"status": "running"',
      ),
    );
    expect(await mcp.ok("codex_status", { task_id: b.task_id })).toMatchObject({ status: "damaged" });

    const c = await run("implement-badmerge-v1", "commit", "full-access");
    await mcp.ok("codex_merge", { task_id: c.task_id, strategy: "squash" });
    await fsp.writeFile(path.join(sb.taskDir(String(c.task_id)), "merge.json"), '{"strategy":');
    // A damaged merge record proves nothing: the squashed branch reads as unmerged again (safe).
    const refused = await mcp.call("codex_cleanup", { task_id: c.task_id });
    expect(refused.text).toMatch(/has 1 commit\(s\) not in main/);

    // The listing and a wait on any task still work with all of that in the store.
    const list = await mcp.ok("codex_status", {});
    expect((list.tasks as unknown[]).length).toBeGreaterThan(3);
    const w = await mcp.ok("codex_wait", { timeout_seconds: 1 });
    expect(["idle", "timeout"]).toContain(w.status);
  });

  it("14: codex_cancel racing the task's own end answers what was recorded", async () => {
    let raced = 0;
    for (let trial = 0; trial < 12; trial++) {
      const d = await mcp.ok("codex_dispatch", {
        prompt: "[[script:quick]]",
        cwd: sb.repo,
        topic: `review-race${trial}-v1`,
        sandbox: "read-only",
      });
      await new Promise((r) => setTimeout(r, 200 + trial * 150));
      const c = await mcp.ok("codex_cancel", { task_id: d.task_id });
      const recorded = JSON.parse(
        await fsp.readFile(path.join(sb.taskDir(String(d.task_id)), "result.json"), "utf8"),
      );
      expect(c.status).toBe(recorded.status);
      expect(c.cancelled).toBe(recorded.status === "cancelled");
      if (recorded.status !== "cancelled") {
        raced++;
        expect(c.message).toMatch(/(ended on its own as|had already ended) /);
      }
    }
    console.log(`cancel vs end: ${raced} of 12 trials ended on their own first`);
  });

  it("15: two codexmcp instances (two homes) running the same topic never stop each other's processes", async () => {
    const otherHome = path.join(sb.root, "other-state");
    const other = await McpSession.start(sb.env({ CODEXMCP_HOME: otherHome }));
    try {
      const long = await other.ok("codex_dispatch", {
        prompt: "[[script:sleepy]]",
        cwd: sb.repo,
        topic: "review-twin-v1",
        sandbox: "read-only",
      });
      // This home has no task of that id yet: the tagged processes are the other instance's.
      await until("the other instance's command to run", async () =>
        taskRuns(String(long.task_id), "sleep 5"),
      );
      // The same topic in this home ends (and cleans up its processes) while the other still runs.
      const short = await run("review-twin-v1");
      expect(short.status).toBe("completed");
      const cancelled = await mcp.ok("codex_dispatch", {
        prompt: "[[script:sleepy]]",
        cwd: sb.repo,
        topic: "review-twin-v2",
        sandbox: "read-only",
      });
      await mcp.ok("codex_cancel", { task_id: cancelled.task_id });
      const end = await untilEnded(other, String(long.task_id));
      expect(end).toMatchObject({ status: "completed", result: "slept" });
      // Its command ran to the end, not killed by the other instance's cleanup.
      const events = await fsp.readFile(
        path.join(otherHome, "tasks", String(long.task_id), "events.jsonl"),
        "utf8",
      );
      expect(events).toContain("survived");
      const metaA = JSON.parse(
        await fsp.readFile(path.join(sb.taskDir("codex-review-twin-v1"), "meta.json"), "utf8"),
      );
      const metaB = JSON.parse(
        await fsp.readFile(path.join(otherHome, "tasks", "codex-review-twin-v1", "meta.json"), "utf8"),
      );
      expect(metaA.process_tag).toMatch(/^codex-review-twin-v1:[0-9a-f]{12}:[0-9a-f]{12}$/);
      expect(metaA.process_tag).not.toBe(metaB.process_tag);
      expect(metaA.process_tag.split(":")[2]).not.toBe(metaB.process_tag.split(":")[2]);
    } finally {
      await other.close();
    }
  });

  it("also: a bare repository or a .git directory as cwd is refused with a sentence", async () => {
    const bare = path.join(sb.root, "bare.git");
    execFileSync("git", ["init", "-q", "--bare", bare]);
    for (const [cwd, what] of [
      [bare, /is a bare git repository, not a working tree/],
      [path.join(sb.repo, ".git"), /is inside a \.git directory, not a working tree/],
      [path.join(sb.repo, ".git", "refs"), /is inside a \.git directory/],
    ] as const) {
      for (const sandbox of ["full-access", "read-only"]) {
        const r = await mcp.call("codex_dispatch", {
          prompt: "x",
          cwd,
          topic: "implement-gitdir-v1",
          sandbox,
        });
        expect(r.isError).toBe(true);
        expect(r.text).toMatch(what);
        expect(r.text).toMatch(/Pass the project's working tree/);
      }
    }
    expect(gitIn(sb.repo, "branch", "--list", "main")).toContain("main");
  });

  it("also: a repository whose path holds a newline works end to end", async () => {
    const repo = await sb.newRepo("odd\nname");
    const r = await run("implement-newline-v1", "commit", "full-access", repo);
    expect(r).toMatchObject({ status: "completed", commits_ahead: 1 });
    expect(existsSync(String(r.worktree_dir))).toBe(true);
    await mcp.ok("codex_merge", { task_id: r.task_id, strategy: "merge" });
    const c = await mcp.ok("codex_cleanup", { task_id: r.task_id });
    expect(c.cleaned).toEqual([expect.objectContaining({ worktree_removed: true, branch_deleted: true })]);
    expect(await fsp.readFile(path.join(repo, "c.txt"), "utf8")).toBe("c\n");
  });
});
