import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox } from "../helpers/sandbox.js";
import { untilEnded } from "../helpers/wait.js";
import { snapshotWork, workLost } from "../helpers/work-invariant.js";

/**
 * codex_cleanup against agents that leave their work where a careless cleanup loses it. The
 * agent (the real Codex CLI, driven by the scripted model) acts in its worktree; every scenario
 * checks from outside that nothing of it was lost: refused without force, and with force every
 * commit and file kept and reported.
 */
const SCRIPTS: Record<string, string> = {
  detach:
    'git checkout -q --detach && echo "$CODEXMCP_TASK_ID" > detached.txt && git add detached.txt && git commit -qm "work on a detached HEAD"',
  orphan:
    "git checkout -q --orphan lonely && git rm -rfq . && echo o > o.txt && git add o.txt && git commit -qm orphan",
  reset:
    "echo one > one.txt && git add one.txt && git commit -qm one && echo two > two.txt && git add two.txt && git commit -qm two && git reset -q --hard HEAD~2",
  wtref:
    "echo w > w.txt && git add w.txt && git commit -qm w && git update-ref refs/worktree/keep HEAD && git reset -q --hard HEAD~1",
  tagstash:
    "echo t > t.txt && git add t.txt && git commit -qm t && git tag agent-tag && git reset -q --hard HEAD~1 && echo s >> README.md && git stash -q",
  ignored:
    "printf 'TOKEN=1\\n' > .env && mkdir -p secrets node_modules/dep && printf key > secrets/key.pem && echo x > node_modules/dep/index.js && printf same > shared.conf",
  embedded:
    "git init -q lib && cd lib && echo l > l.txt && git add l.txt && git commit -qm lib && echo dirty > l2.txt",
  unfinished:
    "git checkout -q -b side && echo side > README.md && git commit -qam side && git checkout -q - && echo mine > README.md && git commit -qam mine && (git merge side || true)",
  submodule:
    "git -c protocol.file.allow=always submodule update --init -q && cd sub && echo more > more.txt && git add more.txt && git commit -qm 'sub work' && cd .. && git add sub && git commit -qm 'bump sub'",
};

const IGNORE = ".env\nsecrets/\nnode_modules/\nshared.conf\n";

interface Scenario {
  repo: string;
  taskId: string;
  worktree: string;
}

describe("data safety: codex_cleanup never loses the agent's work", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  const runs = new Map<string, Scenario>();

  beforeAll(async () => {
    sb = await Sandbox.create();
    for (const [name, sh] of Object.entries(SCRIPTS))
      sb.model.script(name, [{ sh }, { say: `${name} done` }]);
    mcp = await McpSession.start(sb.env({ CODEXMCP_MAX_PARALLEL: "12" }));
    const subOrigin = await sb.newRepo("sub-origin", { "lib.txt": "lib\n" });
    const prepare: Record<string, (repo: string) => Promise<void>> = {
      ignored: async (repo) => {
        await fsp.writeFile(path.join(repo, "shared.conf"), "same");
      },
      // The user's checkout does not have the submodule checked out (no .git/modules/sub).
      submodule: async (repo) => {
        gitIn(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", subOrigin, "sub");
        gitIn(repo, "commit", "-qm", "add sub");
        gitIn(repo, "submodule", "deinit", "-q", "-f", "sub");
        await fsp.rm(path.join(repo, ".git", "modules"), { recursive: true, force: true });
      },
      submodule2: async (repo) => {
        gitIn(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", subOrigin, "sub");
        gitIn(repo, "commit", "-qm", "add sub");
      },
    };
    const names = [...Object.keys(SCRIPTS), "submodule2", "detachmerge"];
    await Promise.all(
      names.map(async (name) => {
        const repo = await sb.newRepo(`repo-${name}`, { "README.md": "# demo\n", ".gitignore": IGNORE });
        await prepare[name]?.(repo);
        const d = await mcp.ok("codex_dispatch", {
          prompt: `[[script:${{ submodule2: "submodule", detachmerge: "detach" }[name] ?? name}]]`,
          cwd: repo,
          topic: `implement-${name}-v1`,
          sandbox: "full-access",
        });
        const end = await untilEnded(mcp, String(d.task_id), 120_000);
        expect(end.status).toBe("completed");
        runs.set(name, { repo, taskId: String(d.task_id), worktree: String(d.worktree_dir) });
      }),
    );
  }, 240_000);
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  const scenario = (name: string) => runs.get(name) as Scenario;
  const refuse = async (s: Scenario, reason: RegExp) => {
    const r = await mcp.call("codex_cleanup", { task_id: s.taskId });
    expect(r.isError, r.text).toBe(true);
    expect(r.text).toMatch(reason);
    expect(existsSync(s.worktree)).toBe(true);
  };
  const force = async (s: Scenario) => {
    const r = await mcp.ok("codex_cleanup", { task_id: s.taskId, force: true });
    const item = (r.cleaned as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect(item.worktree_removed).toBe(true);
    expect(existsSync(s.worktree)).toBe(false);
    return item;
  };
  const reported = (item: Record<string, unknown>) => ({
    reportedRefs: (item.saved_refs as string[] | undefined) ?? [],
    archives: item.saved_archive ? [String(item.saved_archive)] : [],
  });

  it("1: a commit on a detached HEAD is refused without force and kept under refs/codexmcp/kept/ with force", async () => {
    const s = scenario("detach");
    const head = gitIn(s.worktree, "rev-parse", "HEAD");
    const before = await snapshotWork([s.repo], [s.repo, s.worktree]);
    await refuse(s, /1 commit\(s\) are reachable only from this worktree \(HEAD\)/);
    const item = await force(s);
    expect(await workLost(before, reported(item))).toEqual([]);
    const kept = (item.saved_refs as string[]).find((r) => gitIn(s.repo, "rev-parse", r) === head);
    expect(kept).toMatch(/^refs\/codexmcp\/kept\/implement-detach\/\d{8}T\d{6}Z\/head$/);
    expect(gitIn(s.repo, "show", `${kept}:detached.txt`)).toBe(s.taskId);
  });

  it("1: codex_merge refuses a detached HEAD with commits the branch lacks, and its advice works", async () => {
    const s = scenario("detachmerge");
    const head = gitIn(s.worktree, "rev-parse", "HEAD");
    const before = await snapshotWork([s.repo], [s.repo, s.worktree]);
    const m = await mcp.call("codex_merge", { task_id: s.taskId, strategy: "merge" });
    expect(m.isError).toBe(true);
    expect(m.text).toMatch(
      /has a detached HEAD .* with 1 commit\(s\) that are not on agent\/implement-detachmerge/,
    );
    expect(await workLost(before)).toEqual([]);
    const advice = /\(git -C (\S+) switch -C (\S+)\)/.exec(m.text);
    expect(advice?.[1]).toBe(s.worktree);
    gitIn(s.worktree, "switch", "-q", "-C", String(advice?.[2]));
    const merged = await mcp.ok("codex_merge", { task_id: s.taskId, strategy: "merge" });
    expect(merged).toMatchObject({ merged: true, commits_merged: 1 });
    expect(gitIn(s.repo, "merge-base", "--is-ancestor", head, "main")).toBe("");
  });

  it("1: an orphan branch the agent switched to is refused; forced, the branch stays untouched", async () => {
    const s = scenario("orphan");
    const lonely = gitIn(s.repo, "rev-parse", "lonely");
    const before = await snapshotWork([s.repo], [s.repo, s.worktree]);
    await refuse(s, /the worktree is on branch lonely, not agent\/implement-orphan/);
    const item = await force(s);
    expect(gitIn(s.repo, "rev-parse", "lonely")).toBe(lonely);
    expect(await workLost(before, reported(item))).toEqual([]);
  });

  it("1: commits dropped by git reset --hard (only in reflogs) are kept and reported without asking", async () => {
    const s = scenario("reset");
    const before = await snapshotWork([s.repo], [s.repo, s.worktree]);
    const r = await mcp.ok("codex_cleanup", { task_id: s.taskId });
    const item = (r.cleaned as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect(item).toMatchObject({ worktree_removed: true, branch_deleted: true });
    expect(await workLost(before, reported(item))).toEqual([]);
    const refs = item.saved_refs as string[];
    expect(refs).toHaveLength(1);
    expect(gitIn(s.repo, "log", "--format=%s", String(refs[0])).split("\n").slice(0, 2)).toEqual([
      "two",
      "one",
    ]);
  });

  it("1: a ref only the worktree has (refs/worktree/…) is refused, and kept with force", async () => {
    const s = scenario("wtref");
    const before = await snapshotWork([s.repo], [s.repo, s.worktree]);
    await refuse(s, /reachable only from this worktree \(ref refs\/worktree\/keep\)/);
    const item = await force(s);
    expect(await workLost(before, reported(item))).toEqual([]);
  });

  it("1: tags and stash entries the agent made survive (they are the repository's, not the worktree's)", async () => {
    const s = scenario("tagstash");
    const before = await snapshotWork([s.repo], [s.repo, s.worktree]);
    const r = await mcp.call("codex_cleanup", { task_id: s.taskId });
    const item = (r.data.cleaned as Record<string, unknown>[])[0] ?? {};
    expect(await workLost(before, reported(item))).toEqual([]);
    expect(gitIn(s.repo, "rev-parse", "agent-tag")).toMatch(/^[0-9a-f]{40}$/);
    expect(gitIn(s.repo, "stash", "list")).toContain("stash@{0}");
  });

  it("9: ignored files the agent wrote (.env, secrets/) are refused and listed; forced, they are archived and regenerable ones discarded", async () => {
    const s = scenario("ignored");
    const before = await snapshotWork([s.repo], [s.repo, s.worktree]);
    await refuse(s, /2 ignored file\(s\) that are work \(\.env, secrets\/\)/);
    const item = await force(s);
    expect(item.discarded).toEqual(["node_modules/"]);
    const archive = String(item.saved_archive);
    expect(archive.startsWith(path.join(sb.home, "kept"))).toBe(true);
    expect(
      await workLost(before, { ...reported(item), mayDiscard: (f) => f.includes("/node_modules/") }),
    ).toEqual([]);
  });

  it("1/2: a repository the agent created inside its worktree is work: refused, and its commits and files kept", async () => {
    const s = scenario("embedded");
    const lib = path.join(s.worktree, "lib");
    const libHead = gitIn(lib, "rev-parse", "HEAD");
    const before = await snapshotWork([s.repo, lib], [s.repo, s.worktree]);
    await refuse(
      s,
      /nested repository lib has 1 commit\(s\) that exist only in this worktree, 1 uncommitted change/,
    );
    const item = await force(s);
    expect(await workLost(before, { ...reported(item), repos: [s.repo] })).toEqual([]);
    expect(gitIn(s.repo, "cat-file", "-t", libHead)).toBe("commit");
  });

  it("5: an unfinished merge in the worktree is refused (merge and cleanup); forced, its state is kept", async () => {
    const s = scenario("unfinished");
    const before = await snapshotWork([s.repo], [s.repo, s.worktree]);
    await refuse(s, /a merge is in progress \(MERGE_HEAD\): finish it \(git -C .* commit\)/);
    const m = await mcp.call("codex_merge", {
      task_id: s.taskId,
      strategy: "merge",
      commit_uncommitted: true,
    });
    expect(m.isError).toBe(true);
    expect(m.text).toMatch(/In the worktree .*a merge is in progress.*Nothing was changed/);
    const item = await force(s);
    expect(await workLost(before, reported(item))).toEqual([]);
  });

  it("2: submodule commits that exist only in the worktree are refused even after a merge; forced, kept in the superproject", async () => {
    const s = scenario("submodule");
    const module = path.join(gitIn(s.worktree, "rev-parse", "--absolute-git-dir"), "modules", "sub");
    const subHead = gitIn(path.join(s.worktree, "sub"), "rev-parse", "HEAD");
    await mcp.ok("codex_merge", { task_id: s.taskId, strategy: "merge" });
    const before = await snapshotWork([s.repo, module], [s.repo, s.worktree]);
    await refuse(s, /submodule sub has 1 commit\(s\) that exist only in this worktree/);
    const item = await force(s);
    expect((item.saved_refs as string[]).every((r) => !r.includes(" in "))).toBe(true);
    expect(await workLost(before, { ...reported(item), repos: [s.repo] })).toEqual([]);
    expect(gitIn(s.repo, "cat-file", "-t", subHead)).toBe("commit");
  });

  it("2: with the submodule checked out in the user's checkout, the commits go there and git submodule update works", async () => {
    const s = scenario("submodule2");
    const module = path.join(gitIn(s.worktree, "rev-parse", "--absolute-git-dir"), "modules", "sub");
    const mainModule = path.join(s.repo, ".git", "modules", "sub");
    await mcp.ok("codex_merge", { task_id: s.taskId, strategy: "merge" });
    const before = await snapshotWork([s.repo, module, mainModule], [s.repo, s.worktree]);
    await refuse(s, /submodule sub has 1 commit\(s\)/);
    const item = await force(s);
    expect((item.saved_refs as string[]).some((r) => r.endsWith(` in ${mainModule}`))).toBe(true);
    expect(await workLost(before, { ...reported(item), repos: [s.repo, mainModule] })).toEqual([]);
    gitIn(s.repo, "submodule", "update", "-q");
    expect(await fsp.readFile(path.join(s.repo, "sub", "more.txt"), "utf8")).toBe("more\n");
  });

  it("1: a worktree another dispatch is still adding (its HEAD still git's null id) does not break a cleanup", async () => {
    const repo = await sb.newRepo("adding-beside");
    const a = await mcp.ok("codex", {
      prompt: "[[script:detach]]",
      cwd: repo,
      topic: "implement-beside-v1",
      sandbox: "full-access",
    });
    const s = { repo, taskId: String(a.task_id), worktree: String(a.worktree_dir) };
    const head = gitIn(s.worktree, "rev-parse", "HEAD");
    const before = await snapshotWork([repo], [repo, s.worktree]);
    // What `git worktree add` leaves on disk until it has checked out: the admin dir with the null
    // id as HEAD (dispatches into other worktrees do not wait for a cleanup).
    const adding = path.join(path.dirname(repo), "adding-beside-other");
    gitIn(repo, "worktree", "add", "-q", "--detach", adding);
    const admin = gitIn(adding, "rev-parse", "--absolute-git-dir");
    const addedHead = await fsp.readFile(path.join(admin, "HEAD"), "utf8");
    await fsp.writeFile(path.join(admin, "HEAD"), `${"0".repeat(40)}\n`);
    await refuse(s, /1 commit\(s\) are reachable only from this worktree \(HEAD\)/);
    const item = await force(s);
    await fsp.writeFile(path.join(admin, "HEAD"), addedHead); // the add finishes
    expect(await workLost(before, reported(item))).toEqual([]);
    expect((item.saved_refs as string[]).some((r) => gitIn(repo, "rev-parse", r) === head)).toBe(true);
  });

  it("1: a worktree deleted by hand keeps its detached commits, and cleaning it up never prunes another deleted worktree", async () => {
    const repo = await sb.newRepo("deleted-by-hand");
    const [a, b] = await Promise.all(
      ["implement-gonea-v1", "implement-goneb-v1"].map((topic) =>
        mcp.ok("codex", { prompt: "[[script:detach]]", cwd: repo, topic, sandbox: "full-access" }),
      ),
    );
    const before = await snapshotWork([repo], [repo]);
    const headA = gitIn(String(a?.worktree_dir), "rev-parse", "HEAD");
    const headB = gitIn(String(b?.worktree_dir), "rev-parse", "HEAD");
    await fsp.rm(String(a?.worktree_dir), { recursive: true, force: true });
    await fsp.rm(String(b?.worktree_dir), { recursive: true, force: true });
    const c = await mcp.ok("codex_cleanup", { task_id: a?.task_id });
    const item = (c.cleaned as Record<string, unknown>[])[0] as Record<string, unknown>;
    const refs = item.saved_refs as string[];
    expect(refs).toEqual([
      expect.stringMatching(/^refs\/codexmcp\/kept\/implement-gonea\/.*\/deleted-worktree$/),
    ]);
    expect(gitIn(repo, "rev-parse", String(refs[0]))).toBe(headA);
    // B's admin dir (its HEAD) is still there: its commit is still reachable through it.
    expect(gitIn(repo, "worktree", "list", "--porcelain")).toContain(headB);
    // Dispatching B's topic again makes its worktree anew and keeps what only the old one held.
    sb.model.script("noop", [{ say: "again" }]);
    const again = await mcp.ok("codex", {
      prompt: "[[script:noop]]",
      cwd: repo,
      topic: "implement-goneb-v2",
      sandbox: "full-access",
    });
    const note = String((await mcp.ok("codex_status", { task_id: again.task_id })).note);
    expect(note).toMatch(
      /had been deleted by hand and was made again; commits only it still held are kept at refs\/codexmcp\/kept\/implement-goneb\//,
    );
    expect(
      await workLost(before, {
        reportedRefs: [...refs, ...(note.match(/refs\/codexmcp\/\S+[^.,\s]/g) ?? [])],
      }),
    ).toEqual([]);
  });
});
