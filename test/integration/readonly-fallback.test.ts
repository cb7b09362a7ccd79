import { execFileSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { CODEX_BIN, gitIn, ROOT, Sandbox, sandboxModes, sh } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";

interface Violation {
  source: "event" | "snapshot";
  kind: string;
  path?: string;
  command?: string;
  detail: string;
}
interface Audit {
  mode: string;
  verdict: string;
  violations_detected: number;
  violations: Violation[];
  workspace: string;
  note: string;
  snapshot: { kind: string };
  restore?: {
    restored: boolean;
    verified: boolean;
    saved_ref?: string;
    saved_to: string;
    how_to_recover: string;
  };
}

const PATCH =
  "*** Begin Patch\n*** Update File: src/app.ts\n@@\n-export const answer = 42;\n+export const answer = 43;\n*** End Patch";

/** Every file under dir with its bytes, except .git and codexmcp's own .codex-tasks links. */
async function tree(dir: string, rel = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await fsp.readdir(path.join(dir, rel), { withFileTypes: true })) {
    if (rel === "" && (e.name === ".git" || e.name === ".codex-tasks")) continue;
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, await tree(dir, p));
    else if (e.isSymbolicLink()) out[p] = `link:${await fsp.readlink(path.join(dir, p))}`;
    else out[p] = (await fsp.readFile(path.join(dir, p))).toString("base64");
  }
  return out;
}

function gitState(repo: string) {
  const g = (...args: string[]) => sh("git", args, repo);
  return {
    status: g("status", "--porcelain=v1", "--untracked-files=all"),
    staged: g("diff", "--cached", "--binary"),
    unstaged: g("diff", "--binary"),
    stash: g("stash", "list", "--format=%H %gs"),
    head: g("rev-parse", "HEAD"),
    branch: g("symbolic-ref", "HEAD"),
    refs: g("for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags"),
    index: g("ls-files", "--stage"),
  };
}

describe("read-only fallback: unsandboxed run, audited by events and a workspace snapshot", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  let restoring: McpSession;
  const files = {
    "src/app.ts": "export const answer = 42;\n",
    "README.md": "# demo\n",
    "docs/guide.md": "guide\n",
  };

  beforeAll(async () => {
    sb = await Sandbox.create(files);
    sb.model.script("clean", [
      { sh: "ls -la 2>&1 | head -5" },
      { sh: "grep -rn 'a => b' . 2>/dev/null || true" },
      { sh: "cat src/app.ts | head -5 >/dev/null; git status; git log --oneline | head -3" },
      { say: "All good, nothing to change." },
    ]);
    sb.model.script("file-change", [{ patch: PATCH }, { say: "patched" }]);
    sb.model.script("redirect", [{ sh: "echo 'a note' > notes.txt" }, { say: "noted" }]);
    sb.model.script("python", [{ sh: `python3 -c "open('py-out.txt','w').write('1')"` }, { say: "py" }]);
    sb.model.script("stash", [{ sh: "git stash" }, { say: "stashed" }]);
    sb.model.script("rm", [{ sh: "rm docs/guide.md" }, { say: "removed" }]);
    sb.model.script("touch", [{ sh: "touch new-file.txt" }, { say: "touched" }]);
    sb.model.script("everything", [
      { patch: PATCH },
      {
        sh: "echo 'agent wrote this' > created.txt && rm docs/guide.md && git stash && printf 'committed by agent\\n' > c.txt && git add c.txt && git commit -qm 'agent commit' && git branch agent-made",
      },
      { say: "did everything I should not" },
    ]);
    sb.model.script("plain", [
      { sh: "echo new > made.txt && echo changed >> keep.txt && rm gone.txt" },
      { say: "plain" },
    ]);
    sb.model.script("slow-touch", [{ sh: "sleep 1; touch late.txt" }, { say: "late" }]);
    mcp = await McpSession.start(sb.env({ CODEXMCP_READONLY_FALLBACK: "1" }));
    restoring = await McpSession.start(
      sb.env({ CODEXMCP_READONLY_FALLBACK: "1", CODEXMCP_READONLY_FALLBACK_RESTORE: "1" }),
    );
  });
  afterAll(async () => {
    await mcp?.close();
    await restoring?.close();
    await sb?.dispose();
  });

  async function review(
    script: string,
    repo: string,
    session = mcp,
  ): Promise<{ r: Record<string, unknown>; audit: Audit }> {
    const topic = `review-${script.replace(/-/g, "_")}${Math.random().toString(36).slice(2, 6)}-v1`;
    const r = await session.ok("codex", {
      prompt: `Review please [[script:${script}]]`,
      cwd: repo,
      topic,
      sandbox: "read-only",
    });
    return { r, audit: r.readonly_audit as Audit };
  }

  it("a clean review is CLEAN, without false positives for 2>&1, '=>' patterns and pipes; Codex ran unsandboxed, in place, with the constraint", async () => {
    const { r, audit } = await review("clean", sb.repo);
    expect(r.status).toBe("completed");
    expect(audit).toMatchObject({
      mode: "fallback",
      verdict: "CLEAN",
      violations_detected: 0,
      violations: [],
      workspace: "unchanged",
    });
    expect(r.run_dir).toBe(sb.repo);
    expect(r.tmux_session).toBeUndefined();
    expect(r.worktree_dir).toBeUndefined();
    const first = sb.model.requests.find((q) => q.script === "clean");
    expect(first?.userText.startsWith("READ-ONLY TASK.")).toBe(true);
    expect(first?.userText.endsWith("Review please [[script:clean]]")).toBe(true);
    expect(sandboxModes(first?.body).at(-1)).toBe("danger-full-access");
    expect(gitIn(sb.repo, "status", "--porcelain")).toBe("");
  });

  const cases: [string, string, string, string][] = [
    // script, event kind, snapshot kind, path
    ["file-change", "file_change", "modified", "src/app.ts"],
    ["redirect", "redirect", "created", "notes.txt"],
    ["python", "inline-script", "created", "py-out.txt"],
    ["rm", "file-command", "deleted", "docs/guide.md"],
    ["touch", "file-command", "created", "new-file.txt"],
  ];
  for (const [script, eventKind, snapshotKind, file] of cases) {
    it(`catches ${script}: once from the events and once from the snapshot, on the same path`, async () => {
      const repo = await sb.newRepo(`repo-${script}`, files);
      const { audit } = await review(script, repo);
      expect(audit.verdict).toBe("VIOLATION");
      expect(audit.workspace).toBe("left as the agent left it");
      const events = audit.violations.filter((v) => v.source === "event");
      const snaps = audit.violations.filter((v) => v.source === "snapshot");
      expect(events.filter((v) => v.path === file && v.kind === eventKind)).toHaveLength(1);
      expect(snaps).toEqual([expect.objectContaining({ kind: snapshotKind, path: file })]);
      expect(audit.violations_detected).toBe(audit.violations.length);
      expect(new Set(audit.violations.map((v) => JSON.stringify(v))).size).toBe(audit.violations.length);
    });
  }

  it("catches git stash of the user's uncommitted work (event, stash and the reverted file)", async () => {
    const repo = await sb.newRepo("repo-stash", files);
    await fsp.writeFile(path.join(repo, "README.md"), "# demo\nuser's unsaved work\n");
    const { audit } = await review("stash", repo);
    expect(audit.verdict).toBe("VIOLATION");
    expect(audit.violations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: "event", kind: "git", command: "git stash" }),
        expect.objectContaining({ source: "snapshot", kind: "git-stash" }),
        expect.objectContaining({ source: "snapshot", kind: "modified", path: "README.md" }),
      ]),
    );
    expect(audit.violations.filter((v) => v.source === "event")).toHaveLength(1);
  });

  it("restore mode puts the workspace back byte-exact and keeps every change the agent made recoverable", async () => {
    const repo = await sb.newRepo("repo-restore", files);
    // The user's own state: a stash entry, a staged change, an unstaged change, an untracked file.
    await fsp.writeFile(path.join(repo, "README.md"), "# demo\nstashed earlier\n");
    gitIn(repo, "stash", "push", "-q", "-m", "user stash");
    await fsp.writeFile(path.join(repo, "docs/guide.md"), "guide\nstaged line\n");
    gitIn(repo, "add", "docs/guide.md");
    await fsp.writeFile(path.join(repo, "README.md"), "# demo\nunstaged work\n");
    await fsp.writeFile(path.join(repo, "scratch.txt"), "untracked notes\n");
    const beforeFiles = await tree(repo);
    const beforeGit = gitState(repo);

    const { r, audit } = await review("everything", repo, restoring);
    expect(r.status).toBe("completed");
    expect(audit.verdict).toBe("VIOLATION");
    expect(audit.workspace).toBe("restored");
    expect(audit.restore, JSON.stringify(audit.restore)).toMatchObject({ restored: true, verified: true });
    expect(await tree(repo)).toEqual(beforeFiles);
    expect(gitState(repo)).toEqual(beforeGit);

    // Nothing the agent did is lost.
    const saved = String(audit.restore?.saved_ref);
    expect(saved).toMatch(
      /^refs\/codexmcp\/readonly-violations\/codex-review-everything\w*-v1\/\d{8}T\d{6}Z\/worktree$/,
    );
    expect(gitIn(repo, "show", `${saved}:created.txt`)).toBe("agent wrote this");
    expect(gitIn(repo, "log", "-1", "--format=%s", `${saved}^`)).toBe("agent commit");
    const base = saved.replace(/\/worktree$/, "");
    expect(gitIn(repo, "for-each-ref", "--format=%(refname)", `${base}/`).split("\n")).toEqual(
      expect.arrayContaining([`${base}/refs/heads/agent-made`, `${base}/refs/heads/main`, `${base}/stash/0`]),
    );
    // The agent's own `git stash` took its patch and the user's unstaged work: that entry is kept.
    expect(gitIn(repo, "show", `${base}/stash/0:README.md`)).toContain("unstaged work");
    expect(gitIn(repo, "show", `${base}/stash/0:src/app.ts`)).toBe("export const answer = 43;");
    expect(audit.restore?.how_to_recover).toContain(saved);
  });

  it("shows the audit in codex_status for a dispatched read-only task", async () => {
    const repo = await sb.newRepo("repo-dispatch", files);
    const d = await mcp.ok("codex_dispatch", {
      prompt: "[[script:slow-touch]]",
      cwd: repo,
      topic: "review-dispatched-v1",
      sandbox: "read-only",
    });
    const s = await untilEnded(mcp, String(d.task_id));
    const audit = s.readonly_audit as Audit;
    expect(audit.verdict).toBe("VIOLATION");
    expect(audit.violations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: "snapshot", kind: "created", path: "late.txt" }),
      ]),
    );
  });

  it("audits a directory that is not a git repository by walking it, and restores it", async () => {
    const plain = path.join(sb.root, "plain-dir");
    await fsp.mkdir(path.join(plain, "sub"), { recursive: true });
    await fsp.writeFile(path.join(plain, "keep.txt"), "keep\n");
    await fsp.writeFile(path.join(plain, "gone.txt"), "gone\n");
    await fsp.writeFile(path.join(plain, "sub/deep.txt"), "deep\n");
    const before = await tree(plain);

    const left = await review("plain", plain);
    expect(left.audit.snapshot.kind).toBe("walk");
    const snaps = left.audit.violations
      .filter((v) => v.source === "snapshot")
      .map((v) => `${v.kind} ${v.path}`);
    expect(snaps.sort()).toEqual(["created made.txt", "deleted gone.txt", "modified keep.txt"]);
    expect(left.audit.workspace).toBe("left as the agent left it");

    // Put the directory back by hand, then let restore mode do it.
    await fsp.rm(path.join(plain, "made.txt"));
    await fsp.writeFile(path.join(plain, "keep.txt"), "keep\n");
    await fsp.writeFile(path.join(plain, "gone.txt"), "gone\n");
    const { audit } = await review("plain", plain, restoring);
    expect(audit.restore, JSON.stringify(audit.restore)).toMatchObject({ restored: true, verified: true });
    expect(await tree(plain)).toEqual(before);
    const saved = String(audit.restore?.saved_to);
    expect(await fsp.readFile(path.join(saved, "after/made.txt"), "utf8")).toBe("new\n");
    expect(await fsp.readFile(path.join(saved, "after/keep.txt"), "utf8")).toBe("keep\nchanged\n");
  });

  it("reports at start-up whether the real sandbox works, pointing at the fallback when it does not", async () => {
    // On this machine the real sandbox works: a server with the fallback on says it is not needed.
    await until(
      "the sandbox report",
      async () => restoring.stderr.join("").includes("read-only sandbox works on this machine"),
      30_000,
    );
    const broken = await McpSession.start(
      sb.env({
        CODEX_BIN: path.join(ROOT, "test/fixtures/bin/codex-no-sandbox"),
        CODEXMCP_HOME: path.join(sb.root, "state-broken"),
      }),
    );
    try {
      await until(
        "the warning",
        async () => broken.stderr.join("").includes("does not work on this machine"),
        30_000,
      );
      const text = broken.stderr.join("");
      expect(text).toContain("CODEXMCP_READONLY_FALLBACK=1");
      expect(text).toContain("non-privileged user namespaces");
    } finally {
      await broken.close();
    }
  });
});

describe("the sandbox probe", () => {
  it("finds the real sandbox working on this machine", async () => {
    const { probeSandbox } = await import("../../src/agents/codex/sandbox-probe.js");
    const probe = await probeSandbox(CODEX_BIN);
    expect(probe).toMatchObject({ works: true });
    execFileSync("true");
  });
});
