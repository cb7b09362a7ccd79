import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScriptStep } from "../../src/e2e/scripted-model.js";
import { holdUntil } from "../helpers/hold.js";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox } from "../helpers/sandbox.js";
import { taskRuns, until, untilEnded } from "../helpers/wait.js";
import { snapshotWork, workLost } from "../helpers/work-invariant.js";

interface Audit {
  verdict: string;
  workspace: string;
  violations: { source: string; kind: string; path?: string }[];
  unattributed?: { kind: string; path?: string; detail: string }[];
  restore?: { restored: boolean; verified: boolean; saved_ref?: string };
  note: string;
}

/**
 * Item 6: a read-only review in fallback mode with restore on, while the user keeps working in
 * the same checkout. What the agent's events explain is restored; what the user did meanwhile
 * (a commit, an edit, a new file) is reported as "changed during the task, not attributed" and
 * left exactly as the user made it.
 */
describe("data safety: the read-only fallback restore never rolls back the user's own work", () => {
  let sb: Sandbox;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create();
    mcp = await McpSession.start(
      sb.env({ CODEXMCP_READONLY_FALLBACK: "1", CODEXMCP_READONLY_FALLBACK_RESTORE: "1" }),
    );
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  /** What each review's agent does once the user is done. */
  const AGENT_STEPS: Record<string, ScriptStep[]> = {
    reader: [{ sh: "ls; cat README.md" }, { say: "looked around" }],
    writer: [{ sh: "echo 'agent note' > notes.txt" }, { say: "wrote a note" }],
    stasher: [{ sh: "git stash -q" }, { say: "stashed" }],
  };

  /**
   * Starts the review and, once its first command runs (the snapshot is taken by then), does
   * `meanwhile`; the agent's own steps run after that.
   */
  async function reviewWhile(script: string, repo: string, meanwhile: () => Promise<void>): Promise<Audit> {
    const name = `${script}${Math.random().toString(36).slice(2, 6)}`;
    const gate = path.join(sb.root, `${name}.go`);
    sb.model.script(name, [...holdUntil(gate, 40), ...(AGENT_STEPS[script] ?? [])]);
    const d = await mcp.ok("codex_dispatch", {
      prompt: `[[script:${name}]]`,
      cwd: repo,
      topic: `review-${name}-v1`,
      sandbox: "read-only",
    });
    await until("the review's command to run", async () => taskRuns(String(d.task_id), gate));
    await meanwhile();
    await fsp.writeFile(gate, "");
    const end = await untilEnded(mcp, String(d.task_id));
    expect(end.status).toBe("completed");
    return end.readonly_audit as Audit;
  }

  const userWorks = (repo: string) => async () => {
    await fsp.writeFile(path.join(repo, "user.txt"), "the user's new file\n");
    gitIn(repo, "add", "user.txt");
    gitIn(repo, "commit", "-qm", "the user's commit");
    await fsp.writeFile(path.join(repo, "README.md"), "# edited by the user\n");
    await fsp.writeFile(path.join(repo, "draft.txt"), "untracked draft\n");
  };

  it("a review that only read: the user's commit, edit and new file stay; CLEAN, and listed as not attributed", async () => {
    const repo = await sb.newRepo("ro-reader");
    const audit = await reviewWhile("reader", repo, userWorks(repo));
    expect(audit.verdict).toBe("CLEAN");
    expect(audit.restore).toBeUndefined();
    expect(gitIn(repo, "log", "-1", "--format=%s")).toBe("the user's commit");
    expect(await fsp.readFile(path.join(repo, "README.md"), "utf8")).toBe("# edited by the user\n");
    expect(await fsp.readFile(path.join(repo, "draft.txt"), "utf8")).toBe("untracked draft\n");
    const paths = (audit.unattributed ?? []).map((c) => c.path ?? c.kind).sort();
    expect(paths).toEqual(expect.arrayContaining(["README.md", "draft.txt", "git-head", "user.txt"]));
    expect(
      audit.unattributed?.every((c) => c.detail.endsWith("(changed during the task, not attributed)")),
    ).toBe(true);
    expect(audit.note).toMatch(/do not explain .*left as they are/);
  });

  it("a review that wrote: only the agent's file is restored; the user's concurrent work stays, and nothing is lost", async () => {
    const repo = await sb.newRepo("ro-writer");
    const before = await snapshotWork([repo], [repo]);
    const audit = await reviewWhile("writer", repo, userWorks(repo));
    expect(audit.verdict).toBe("VIOLATION");
    expect(audit.restore).toMatchObject({ restored: true, verified: true });
    await expect(fsp.stat(path.join(repo, "notes.txt"))).rejects.toThrow();
    expect(gitIn(repo, "log", "-1", "--format=%s")).toBe("the user's commit");
    expect(await fsp.readFile(path.join(repo, "README.md"), "utf8")).toBe("# edited by the user\n");
    expect(await fsp.readFile(path.join(repo, "draft.txt"), "utf8")).toBe("untracked draft\n");
    expect(audit.violations.filter((v) => v.source === "snapshot").map((v) => v.path)).toEqual(["notes.txt"]);
    // The agent's note is kept under the reported ref; the user's original README is in history.
    const saved = String(audit.restore?.saved_ref);
    expect(gitIn(repo, "show", `${saved}:notes.txt`)).toBe("agent note");
    expect(await workLost(before, { reportedRefs: [saved] })).toEqual([]);
  });

  it("an agent's git stash is restored, while a commit the user made meanwhile is not rolled back", async () => {
    const repo = await sb.newRepo("ro-stasher");
    await fsp.writeFile(path.join(repo, "README.md"), "# the user's unstaged work\n");
    const audit = await reviewWhile("stasher", repo, async () => {
      await fsp.writeFile(path.join(repo, "other.txt"), "committed meanwhile\n");
      gitIn(repo, "add", "other.txt");
      gitIn(repo, "commit", "-qm", "meanwhile");
    });
    expect(audit.verdict).toBe("VIOLATION");
    expect(audit.restore).toMatchObject({ restored: true });
    expect(await fsp.readFile(path.join(repo, "README.md"), "utf8")).toBe("# the user's unstaged work\n");
    expect(gitIn(repo, "stash", "list")).toBe("");
    expect(gitIn(repo, "log", "-1", "--format=%s")).toBe("meanwhile");
    expect(await fsp.readFile(path.join(repo, "other.txt"), "utf8")).toBe("committed meanwhile\n");
    expect(gitIn(repo, "status", "--porcelain")).toBe("M README.md");
  });

  it("outside git (a plain directory walked): the user's new file during the review stays", async () => {
    const dir = path.join(sb.root, "plain-ro");
    await fsp.mkdir(dir);
    await fsp.writeFile(path.join(dir, "keep.txt"), "keep\n");
    const audit = await reviewWhile("writer", dir, async () => {
      await fsp.writeFile(path.join(dir, "mine.txt"), "the user's\n");
    });
    expect(audit.restore).toMatchObject({ restored: true, verified: true });
    expect(await fsp.readFile(path.join(dir, "mine.txt"), "utf8")).toBe("the user's\n");
    await expect(fsp.stat(path.join(dir, "notes.txt"))).rejects.toThrow();
    expect((audit.unattributed ?? []).map((c) => c.path)).toEqual(["mine.txt"]);
  });
});
