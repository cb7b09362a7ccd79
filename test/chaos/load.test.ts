import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox } from "../helpers/sandbox.js";
import { untilEnded } from "../helpers/wait.js";
import { recordScenario } from "./summary.js";

async function jsonFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await jsonFiles(p)));
    else if (e.name.endsWith(".json")) out.push(p);
  }
  return out;
}

describe("chaos: load", () => {
  let sb: Sandbox;

  beforeAll(async () => {
    sb = await Sandbox.create();
    // A line unique to each run, so a re-run of a topic commits too.
    sb.model.script("work", [
      {
        sh: 'printf "%s %s\\n" "$CODEXMCP_TASK_ID" "$(date +%s%N)" > who.txt && git add who.txt && git commit -qm who',
      },
      { say: "worked" },
    ]);
  });
  afterAll(async () => {
    await sb?.dispose();
  });

  it("three servers dispatching 20 tasks each into one repository at once: 60/60 accounted for, no topic twice, every record whole", async () => {
    const env = sb.env({ CODEXMCP_MAX_PARALLEL: "6" });
    const servers = await Promise.all([0, 1, 2].map(() => McpSession.start(env)));
    // 45 distinct topics; 15 of them dispatched by two servers at the same moment. The second
    // dispatch of a pair is refused while the first runs, or (if it arrives after the first has
    // finished) re-runs the topic with the earlier run archived: never both at once.
    const requests: { server: number; topic: string }[] = [];
    for (let i = 0; i < 45; i++) requests.push({ server: i % 3, topic: `implement-load${i}-v1` });
    for (let i = 0; i < 15; i++) requests.push({ server: (i + 1) % 3, topic: `implement-load${i}-v1` });
    try {
      const outcomes = await Promise.all(
        requests.map((r) =>
          servers[r.server]?.call("codex_dispatch", {
            prompt: "[[script:work]]",
            cwd: sb.repo,
            topic: r.topic,
            sandbox: "full-access",
          }),
        ),
      );
      const accepted = outcomes.filter((o) => o && !o.isError);
      const refused = outcomes.filter((o) => o?.isError);
      const clearRefusals = refused.filter((o) =>
        /still (starting|running|queued)|in use by the running task/.test(o?.text ?? ""),
      );
      const topicsAccepted = accepted.map((o) => String(o?.data.task_id));
      const uniqueAccepted = new Set(topicsAccepted);

      const ends = [];
      for (const id of uniqueAccepted) ends.push(await untilEnded(servers[0] as McpSession, id, 240_000));
      // Every run of every topic, the archived ones included: none may overlap another run of the
      // same topic (a topic never runs twice at once), each completed, and each left one commit.
      let runs = 0;
      let completedRuns = 0;
      let overlapping = 0;
      let wellPlaced = 0;
      for (const e of ends) {
        const dir = sb.taskDir(String(e.task_id));
        const archived = await fsp.readdir(path.join(dir, "history")).catch(() => []);
        const results = [
          ...(await Promise.all(
            archived.map(
              async (h) =>
                JSON.parse(await fsp.readFile(path.join(dir, "history", h, "result.json"), "utf8")) as Record<
                  string,
                  string
                >,
            ),
          )),
          JSON.parse(await fsp.readFile(path.join(dir, "result.json"), "utf8")) as Record<string, string>,
        ];
        runs += results.length;
        completedRuns += results.filter((r) => r.status === "completed").length;
        const spans = results
          .map((r) => [Date.parse(String(r.started_at)), Date.parse(String(r.finished_at))] as const)
          .sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < spans.length; i++)
          if ((spans[i]?.[0] ?? 0) < (spans[i - 1]?.[1] ?? 0)) overlapping++;
        const who = await fsp.readFile(path.join(String(e.worktree_dir), "who.txt"), "utf8").catch(() => "");
        const commits = Number(
          gitIn(String(e.worktree_dir), "rev-list", "--count", `${String(e.base_commit)}..HEAD`),
        );
        if (who.startsWith(`${String(e.task_id)} `) && commits === results.length) wellPlaced++;
      }
      let unreadable = 0;
      for (const f of await jsonFiles(sb.home)) {
        try {
          JSON.parse(await fsp.readFile(f, "utf8"));
        } catch {
          unreadable++;
        }
      }
      const journal = (await fsp.readFile(path.join(sb.home, "completions.jsonl"), "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { task_id: string; created_at: string });
      const journaledRuns = new Set(journal.map((j) => `${j.task_id}@${j.created_at}`));
      const accounted = accepted.length + clearRefusals.length;
      const lost =
        requests.length -
        accounted +
        (runs - completedRuns) +
        overlapping +
        (uniqueAccepted.size - wellPlaced) +
        unreadable +
        (accepted.length - journaledRuns.size);
      recordScenario({
        scenario: "3 servers x 20 dispatches into one repo",
        trials: requests.length,
        passed: completedRuns + clearRefusals.length,
        lost,
      });
      expect(outcomes).toHaveLength(60);
      expect(accounted).toBe(60);
      expect(uniqueAccepted.size).toBe(45);
      expect(runs).toBe(accepted.length);
      expect(completedRuns).toBe(runs);
      expect(overlapping).toBe(0);
      expect(wellPlaced).toBe(45);
      expect(unreadable).toBe(0);
      expect(journal.length).toBe(runs);
      expect(journaledRuns.size).toBe(runs);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});
