import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSettings } from "../../dist/config/settings.js";
import { cleanWorktree } from "../../dist/tasks/cleanup-worktree.js";
import { TaskManager } from "../../dist/tasks/manager.js";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox } from "../helpers/sandbox.js";
import { untilEnded } from "../helpers/wait.js";
import { snapshotWork, workLost } from "../helpers/work-invariant.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Items 7 and 8: a codex_reply that starts while codex_cleanup(all_finished) or codex_merge is
 * deciding about its worktree. The decision "no task uses this worktree" is made and acted on
 * under the repository lock dispatch takes, so each trial ends one of two ways: the tool saw the
 * reply and refused, or it finished before the reply claimed the worktree. Never in between.
 */
describe("data safety: cleanup and merge racing a reply", () => {
  let sb: Sandbox;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("first", [
      { sh: "echo one > one.txt && git add one.txt && git commit -qm one" },
      { say: "first done" },
    ]);
    sb.model.script("again", [
      { sh: "sleep 1 && echo two > two.txt && git add two.txt && git commit -qm two && ls one.txt two.txt" },
      { say: "reply done" },
    ]);
    mcp = await McpSession.start(sb.env());
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  const first = async (repo: string, topic: string) =>
    mcp.ok("codex", { prompt: "[[script:first]]", cwd: repo, topic, sandbox: "full-access" });

  const meta = async (taskId: string) =>
    JSON.parse(await fsp.readFile(path.join(sb.taskDir(taskId), "meta.json"), "utf8")) as {
      created_at: string;
      git: { worktree_dir: string; agent_branch: string };
    };

  it("7: codex_cleanup(all_finished) never removes the worktree of a reply that started after it listed the tasks", async () => {
    const outcomes: string[] = [];
    for (let trial = 0; trial < 4; trial++) {
      const repo = await sb.newRepo(`race-clean-${trial}`);
      const v1 = await first(repo, `implement-raceclean${trial}-v1`);
      await mcp.ok("codex_merge", { task_id: v1.task_id, strategy: "merge" });
      const before = await snapshotWork([repo], [repo, String(v1.worktree_dir)]);
      const [reply, cleanup] = await Promise.all([
        mcp.call("codex_reply", { task_id: v1.task_id, prompt: "[[script:again]]" }),
        // Staggered, so some trials decide before the reply claims the worktree and some after.
        sleep(trial * 120).then(() => mcp.call("codex_cleanup", { all_finished: true })),
      ]);
      expect(reply.isError, reply.text).toBe(false);
      const v2 = String(reply.data.task_id);
      const end = await untilEnded(mcp, v2);
      expect(end.status, String(end.error)).toBe("completed");
      const wt = (await meta(v2)).git.worktree_dir;
      // The reply's work is where it says: its worktree exists and holds both commits' files.
      expect(existsSync(wt)).toBe(true);
      expect(gitIn(wt, "log", "--format=%s", "-1")).toBe("two");
      expect(String(end.result)).toBe("reply done");
      const cleaned = (cleanup.data.cleaned ?? []) as { tasks: string[]; saved_refs?: string[] }[];
      const refused = (cleanup.data.refused ?? []) as { tasks: string[]; reasons: string[] }[];
      const mine = cleaned.find((c) => c.tasks.includes(String(v1.task_id)));
      const stopped = refused.find((r) => r.tasks.includes(String(v1.task_id)));
      if (stopped) {
        expect(stopped.reasons.join(" ")).toMatch(
          new RegExp(`task ${v2} is (queued|starting|running) there`),
        );
        outcomes.push("refused");
      } else if (mine) outcomes.push("cleaned first");
      else outcomes.push("not listed");
      expect(await workLost(before, { reportedRefs: cleaned.flatMap((c) => c.saved_refs ?? []) })).toEqual(
        [],
      );
    }
    console.log(`cleanup vs reply: ${outcomes.join(", ")}`);
  });

  it("7: a listing taken before a reply claimed the worktree does not get it removed, even forced", async () => {
    const repo = await sb.newRepo("race-stale");
    const v1 = await first(repo, "implement-stale-v1");
    await mcp.ok("codex_merge", { task_id: v1.task_id, strategy: "merge" });
    const manager = new TaskManager(await loadSettings(sb.env()), sb.env(), {});
    // What cleanup(all_finished) listed: v1, finished, alone in its worktree.
    const listed = (await manager.list()).filter((o) => o.meta.git?.worktree_dir === v1.worktree_dir);
    expect(listed.map((o) => o.status)).toEqual(["completed"]);
    const reply = await mcp.ok("codex_reply", { task_id: v1.task_id, prompt: "[[script:again]]" });
    const item = await cleanWorktree(manager, listed, true);
    expect("reasons" in item && item.reasons.join(" ")).toMatch(
      new RegExp(`task ${String(reply.task_id)} is (queued|starting|running) there`),
    );
    const end = await untilEnded(mcp, String(reply.task_id));
    expect(end.status).toBe("completed");
    expect(gitIn(String(v1.worktree_dir), "log", "--format=%s", "-1")).toBe("two");
  });

  it("8: codex_merge never runs while a reply runs in the worktree: it refuses, or it finished before the reply started", async () => {
    for (const [trial, strategy] of (["rebase", "merge", "squash", "rebase"] as const).entries()) {
      const repo = await sb.newRepo(`race-merge-${trial}`);
      const v1 = await first(repo, `implement-racemerge${trial}-v1`);
      const before = await snapshotWork([repo], [repo, String(v1.worktree_dir)]);
      const [reply, merge] = await Promise.all([
        mcp.call("codex_reply", { task_id: v1.task_id, prompt: "[[script:again]]" }),
        sleep(trial * 350).then(() =>
          mcp.call("codex_merge", { task_id: v1.task_id, strategy, commit_uncommitted: true }),
        ),
      ]);
      expect(reply.isError, reply.text).toBe(false);
      const v2 = String(reply.data.task_id);
      const end = await untilEnded(mcp, v2);
      expect(end.status, String(end.error)).toBe("completed");
      console.log(`merge vs reply (${strategy}): ${merge.isError ? "refused" : "merged first"}`);
      if (merge.isError) {
        expect(merge.text).toMatch(new RegExp(`Task ${v2} is (queued|starting|running) in`));
      } else {
        expect(merge.data.merged).toBe(true);
        const record = JSON.parse(
          await fsp.readFile(path.join(sb.taskDir(String(v1.task_id)), "merge.json"), "utf8"),
        );
        expect((await meta(v2)).created_at > record.merged_at).toBe(true);
      }
      const wt = (await meta(v2)).git.worktree_dir;
      expect(gitIn(wt, "log", "--format=%s", "-1")).toBe("two");
      expect(gitIn(wt, "status", "--porcelain")).toBe("");
      const saved = merge.data.saved_ref ? [String(merge.data.saved_ref)] : [];
      expect(await workLost(before, { reportedRefs: saved })).toEqual([]);
    }
  });
});
