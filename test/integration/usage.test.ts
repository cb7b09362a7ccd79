import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBinEnvVar } from "../../src/core/agent-names.js";
import { installedAgent, makeAgentHomes, removeAgentHomes } from "../helpers/agents.js";
import { cli } from "../helpers/cli.js";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { untilEnded } from "../helpers/wait.js";

interface Totals {
  runs: number;
  tasks?: number;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number;
  reported_usd: number;
  estimated_usd: number;
  unpriced_runs: number;
}
interface Report {
  since: string | null;
  repo: string | null;
  runs: {
    task_id: string;
    day: string;
    repo: string;
    agent: string;
    model: string | null;
    cost_usd: number | null;
    cost_source: string;
    input_tokens: number;
    cached_input_tokens: number;
    output_tokens: number;
  }[];
  tasks: (Totals & { task_id: string; repo: string; agent: string; model: string | null })[];
  repos: (Totals & { repo: string })[];
  days: (Totals & { day: string })[];
  total: Totals;
}

/** `codexmcp usage` over real tasks of two agents in two repositories, one of them run twice. */
describe("codexmcp usage: tokens and cost per task, repository and day", () => {
  let sb: Sandbox;
  let homes: string;
  let mcp: McpSession;
  let env: NodeJS.ProcessEnv;
  let other: string;
  /** Each task's usage and cost as codex_status reports them, per run. */
  const seen: Record<string, { usage: Record<string, number>; cost_usd?: number }[]> = {};

  const run = async (args: Record<string, unknown>) => {
    const d = await mcp.ok("codex_dispatch", args);
    const end = await untilEnded(mcp, String(d.task_id), 240_000);
    expect(end.status, String(end.error)).toBe("completed");
    const list = seen[String(d.task_id)] ?? [];
    list.push({
      usage: end.usage as Record<string, number>,
      ...(typeof end.cost_usd === "number" ? { cost_usd: end.cost_usd } : {}),
    });
    seen[String(d.task_id)] = list;
    return String(d.task_id);
  };
  const usage = async (...args: string[]) => {
    const r = await cli(["usage", "--json", ...args], env);
    expect(r.exitCode, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Report;
  };

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n" });
    other = await sb.newRepo("other", { "README.md": "# other\n", "pkg/sub/x.txt": "x\n" });
    homes = await makeAgentHomes("usage");
    const claude = await installedAgent("claude");
    const extra = {
      ...(await sb.model.agentEnv("claude", path.join(homes, "home"))),
      CODEX_HOME: sb.codexHome,
      [agentBinEnvVar("claude")]: claude.bin,
    };
    // A model the built-in table does not know, priced by the user.
    await fsp.mkdir(sb.home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(
      path.join(sb.home, "config.yaml"),
      "notify:\n  desktop: false\nusage:\n  prices:\n    house-model: { input: 2, cached_input: 1, output: 4 }\n",
    );
    sb.model.script("work", [
      { sh: "echo hi > hi.txt && git add hi.txt && git commit -qm hi" },
      { say: "done" },
    ]);
    sb.model.script("look", [{ sh: "ls" }, { say: "looked" }]);
    env = sb.env(extra);
    mcp = await McpSession.start(env);
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
    if (homes) await removeAgentHomes(homes);
  });

  it("sums what each run's result says, prices it, and groups it", async () => {
    // Codex on gpt-5 (priced by the built-in table), twice under one task id: the first run
    // goes to history/ when the topic is dispatched again.
    const priced = await run({
      prompt: "[[script:look]]",
      cwd: sb.repo,
      topic: "review-priced-v1",
      sandbox: "read-only",
      model: "gpt-5",
    });
    await run({
      prompt: "[[script:look]]",
      cwd: sb.repo,
      topic: "review-priced-v1",
      sandbox: "read-only",
      model: "gpt-5",
    });
    // Codex on a model only config.yaml prices, in a worktree of the same repository.
    const house = await run({
      prompt: "[[script:work]]",
      cwd: sb.repo,
      topic: "implement-house-v1",
      sandbox: "full-access",
      model: "house-model",
    });
    // Codex on its default model (no name known: no price), from a subdirectory of another repository.
    const unpriced = await run({
      prompt: "[[script:look]]",
      cwd: path.join(other, "pkg", "sub"),
      topic: "review-unpriced-v1",
      sandbox: "read-only",
    });
    // Claude Code reports its own cost.
    const reported = await run({
      prompt: "[[script:work]]",
      cwd: other,
      topic: "implement-claude-v1",
      sandbox: "full-access",
      agent: "claude",
    });

    const all = await usage();
    expect(all.total.tasks).toBe(4);
    expect(all.total.runs).toBe(5);
    const task = (id: string) => all.tasks.find((t) => t.task_id === id);
    // Tokens: what each run's result says, added up (history runs too).
    for (const [id, runs] of Object.entries(seen)) {
      const row = task(id);
      expect(row, id).toBeDefined();
      expect(row?.runs).toBe(runs.length);
      for (const field of ["input_tokens", "cached_input_tokens", "output_tokens"] as const)
        expect(row?.[field], `${id} ${field}`).toBe(runs.reduce((n, r) => n + (r.usage[field] ?? 0), 0));
      expect(row?.input_tokens, id).toBeGreaterThan(0);
    }
    // Cost: estimated from the list price (built-in or config.yaml), reported by the agent, or unknown.
    const estimate = (id: string, p: { input: number; cached_input: number; output: number }) =>
      (seen[id] ?? []).reduce((sum, r) => {
        const { input_tokens = 0, cached_input_tokens: cached = 0, output_tokens = 0 } = r.usage;
        return (
          sum + ((input_tokens - cached) * p.input + cached * p.cached_input + output_tokens * p.output) / 1e6
        );
      }, 0);
    expect(task(priced)?.estimated_usd).toBeCloseTo(
      estimate(priced, { input: 1.25, cached_input: 0.125, output: 10 }),
      10,
    );
    expect(task(priced)?.unpriced_runs).toBe(0);
    expect(task(house)?.estimated_usd).toBeCloseTo(
      estimate(house, { input: 2, cached_input: 1, output: 4 }),
      10,
    );
    expect(task(unpriced)).toMatchObject({ model: null, cost_usd: 0, unpriced_runs: 1 });
    const claudeCost = seen[reported]?.[0]?.cost_usd;
    expect(claudeCost).toBeGreaterThan(0);
    expect(task(reported)).toMatchObject({
      agent: "claude",
      reported_usd: claudeCost,
      estimated_usd: 0,
      unpriced_runs: 0,
    });
    // The model Claude Code said it used, from its stream.
    expect(task(reported)?.model).toBeTruthy();
    expect(all.runs.find((r) => r.task_id === reported)?.cost_source).toBe("reported");
    expect(all.runs.filter((r) => r.task_id === priced).map((r) => r.cost_source)).toEqual([
      "estimated",
      "estimated",
    ]);

    // Repositories: a task from a subdirectory counts for its repository's root.
    const repo = (dir: string) => all.repos.find((r) => r.repo === dir);
    expect(repo(sb.repo)).toMatchObject({ tasks: 2, runs: 3 });
    expect(repo(other)).toMatchObject({ tasks: 2, runs: 2 });
    expect(all.repos).toHaveLength(2);
    for (const r of all.repos) {
      const mine = all.tasks.filter((t) => t.repo === r.repo);
      expect(r.total_tokens).toBe(mine.reduce((n, t) => n + t.total_tokens, 0));
      expect(r.cost_usd).toBeCloseTo(
        mine.reduce((n, t) => n + t.cost_usd, 0),
        10,
      );
    }
    // Days: today, in the local time zone, holds everything.
    const now = new Date();
    const today = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
    expect(all.days).toEqual([expect.objectContaining({ day: today, tasks: 4, runs: 5 })]);
    expect(all.total.cost_usd).toBeCloseTo(all.total.reported_usd + all.total.estimated_usd, 10);

    // --repo, from anywhere inside it; --days and --since.
    const onlyOther = await usage("--repo", path.join(other, "pkg"));
    expect(onlyOther.repo).toBe(other);
    expect(onlyOther.tasks.map((t) => t.task_id).sort()).toEqual([reported, unpriced].sort());
    expect((await usage("--days", "1")).total.runs).toBe(5);
    expect((await usage("--since", "1h")).total.runs).toBe(5);
    const future = await usage("--since", "2999-01-01");
    expect(future.total).toMatchObject({ runs: 0, tasks: 0, cost_usd: 0 });

    // The table a person reads: estimated marked ~, unknown ?, reported plain.
    const text = await cli(["usage", "--limit", "0"], env);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/by day\n\s*DAY\s+TASKS\s+RUNS\s+INPUT\s+CACHED\s+OUTPUT\s+TOTAL\s+COST/);
    expect(text.stdout).toMatch(new RegExp(`${priced}\\s+codex\\s+gpt-5\\s+2\\s.*~\\$`));
    expect(text.stdout).toMatch(new RegExp(`${unpriced}\\s+codex\\s+-\\s+1\\s.*\\?`));
    expect(text.stdout).toMatch(new RegExp(`${reported}\\s+claude\\s+\\S+\\s+1\\s.*\\s\\$0\\.\\d+`));
    expect(text.stdout).toContain("estimated from list prices");
    expect(text.stdout).not.toContain("\u001b[");
  });

  it("refuses what it cannot read, with exit 2 and a sentence", async () => {
    for (const [args, words] of [
      [["--days", "0"], "--days takes a whole number >= 1"],
      [["--since", "yesterday"], "--since takes a date"],
      [["--since", "1d", "--days", "2"], "not both"],
      [["--repo", path.join(sb.root, "nowhere")], "is not a directory"],
      [["--bogus"], "Unknown option"],
    ] as const) {
      const r = await cli(["usage", ...args], env);
      expect(r.exitCode, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(words);
    }
    const help = await cli(["usage", "--help"], env);
    expect(help.exitCode).toBe(0);
    for (const flag of ["--since", "--days", "--repo", "--json", "usage.prices"])
      expect(help.stdout).toContain(flag);
  });
});
