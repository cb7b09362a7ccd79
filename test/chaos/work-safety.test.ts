import { execFileSync } from "node:child_process";
import { existsSync, promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession, type ToolOutcome } from "../helpers/mcp.js";
import { gitIn, Sandbox } from "../helpers/sandbox.js";
import { untilEnded } from "../helpers/wait.js";
import { committedFiles, snapshotWork, workLost } from "../helpers/work-invariant.js";
import { recordScenario } from "./summary.js";

/**
 * Cleanups, merges and replies thrown at one repository at once, for a bounded time. Every agent
 * run commits a file named after itself and leaves an uncommitted and an ignored one; at the end
 * every one of those commits and files must still be somewhere — a branch, main, a worktree that
 * stayed, a ref under refs/codexmcp/ or an archive a tool reported — and git fsck must not call
 * anything that was reachable before unreachable.
 */
const RUN_FOR_MS = 60_000;
const TOPICS = ["alpha", "beta", "gamma", "delta"];
const WORK =
  'echo "$CODEXMCP_TASK_ID" > "w-$CODEXMCP_TASK_ID.txt" && git add "w-$CODEXMCP_TASK_ID.txt" && git commit -qm "$CODEXMCP_TASK_ID" && echo wip > "u-$CODEXMCP_TASK_ID.txt" && echo secret > "s-$CODEXMCP_TASK_ID.env"';

function pick<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)] as T;
}

describe("chaos: cleanups, merges and replies at once on one repository", () => {
  let sb: Sandbox;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# chaos\n", ".gitignore": "*.env\n" });
    sb.model.script("work", [{ sh: WORK }, { say: "worked" }]);
    mcp = await McpSession.start(sb.env({ CODEXMCP_MAX_PARALLEL: "6" }));
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  it("nothing of any run is lost, and every call gets a clear answer", async () => {
    const repo = sb.repo;
    const start = await snapshotWork([repo], [repo]);
    const runs: string[] = [];
    const latest = new Map<string, string>();
    for (const t of TOPICS) {
      const r = await mcp.ok("codex", {
        prompt: "[[script:work]]",
        cwd: repo,
        topic: `implement-${t}-v1`,
        sandbox: "full-access",
      });
      runs.push(String(r.task_id));
      latest.set(t, String(r.task_id));
    }
    const reportedRefs: string[] = [];
    const archives: string[] = [];
    const unclear: string[] = [];
    let calls = 0;
    const note = (what: string, out: ToolOutcome) => {
      calls++;
      if (out.isError && /failed unexpectedly|Error:|at .*\.js:\d+/.test(out.text))
        unclear.push(`${what}: ${out.text}`);
      for (const item of (out.data.cleaned ?? []) as { saved_refs?: string[]; saved_archive?: string }[]) {
        reportedRefs.push(...(item.saved_refs ?? []));
        if (item.saved_archive) archives.push(item.saved_archive);
      }
      if (typeof out.data.saved_ref === "string") reportedRefs.push(out.data.saved_ref);
    };
    const deadline = Date.now() + RUN_FOR_MS;
    const worker = async (kind: "reply" | "merge" | "cleanup") => {
      while (Date.now() < deadline) {
        const topic = pick(TOPICS);
        const id = latest.get(topic) as string;
        if (kind === "reply") {
          const out = await mcp.call("codex_reply", { task_id: id, prompt: "[[script:work]]" });
          note(`reply ${id}`, out);
          if (!out.isError) {
            const next = String(out.data.task_id);
            latest.set(topic, next);
            runs.push(next);
            await untilEnded(mcp, next, 120_000);
          }
        } else if (kind === "merge") {
          const strategy = pick(["merge", "squash", "rebase"]);
          note(
            `merge ${id}`,
            await mcp.call("codex_merge", { task_id: id, strategy, commit_uncommitted: Math.random() < 0.5 }),
          );
        } else {
          const args = Math.random() < 0.3 ? { all_finished: true } : { task_id: id };
          note(
            `cleanup ${JSON.stringify(args)}`,
            await mcp.call("codex_cleanup", { ...args, force: Math.random() < 0.5 }),
          );
        }
        await new Promise((r) => setTimeout(r, Math.random() * 400));
      }
    };
    await Promise.all([
      worker("reply"),
      worker("reply"),
      worker("merge"),
      worker("cleanup"),
      worker("cleanup"),
    ]);
    for (const id of runs) await untilEnded(mcp, id, 120_000);

    // Every run's commit is reachable from a ref (branches, main, refs/codexmcp/…).
    const lost: string[] = [];
    const subjects = new Set(
      gitIn(repo, "log", "--branches", "--tags", "--glob=refs/codexmcp/*", "--format=%s").split("\n"),
    );
    const squashed = gitIn(repo, "log", "--format=%H", "main").split("\n");
    for (const id of runs) {
      const status = JSON.parse(await fsp.readFile(path.join(sb.taskDir(id), "result.json"), "utf8")).status;
      if (status !== "completed") {
        lost.push(`${id} ended ${status}`);
        continue;
      }
      if (subjects.has(id)) continue;
      // A squash merge carries the run's file, not its commit: the commit is then kept by a ref.
      lost.push(`commit of ${id} is in no ref (main has ${squashed.length} commits)`);
    }
    // Every file a run wrote is somewhere: a worktree that stayed, a reachable commit, an archive.
    const where = new Set<string>();
    for (const entry of committedFiles([repo])) where.add(path.basename(entry.split("\0")[0] ?? ""));
    for (const wt of gitIn(repo, "worktree", "list", "--porcelain")
      .split("\n")
      .filter((l) => l.startsWith("worktree "))
      .map((l) => l.slice(9))) {
      if (existsSync(wt)) for (const f of await fsp.readdir(wt)) where.add(f);
    }
    for (const archive of archives) {
      const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "chaos-tar-"));
      execFileSync("tar", ["-x", "-f", archive, "-C", tmp]);
      for (const f of await fsp.readdir(tmp)) where.add(f);
      await fsp.rm(tmp, { recursive: true, force: true });
    }
    for (const id of runs) {
      for (const f of [`w-${id}.txt`, `u-${id}.txt`, `s-${id}.env`])
        if (!where.has(f)) lost.push(`file ${f}`);
    }
    lost.push(...(await workLost(start, { reportedRefs, archives })));
    // Every ref made under refs/codexmcp/ was reported by the call that made it.
    recordScenario({
      scenario: "cleanups, merges, replies at once on one repo",
      trials: calls,
      passed: calls - unclear.length,
      lost: lost.length,
    });
    if (unclear.length + lost.length > 0)
      await fsp.writeFile(
        path.join(os.tmpdir(), "work-safety-failures.json"),
        JSON.stringify({ unclear, lost }, null, 2),
      );
    expect(unclear).toEqual([]);
    expect(lost).toEqual([]);
    expect(runs.length).toBeGreaterThan(TOPICS.length);
  });
});
