import { execFileSync } from "node:child_process";
import fsSync, { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { GIT_IDENTITY, Sandbox } from "../helpers/sandbox.js";
import { untilEnded } from "../helpers/wait.js";
import { snapshotWork, workLost } from "../helpers/work-invariant.js";

/**
 * codex_merge against checkouts and worktrees where a careless merge destroys work: a worktree
 * switched to the user's branch, files git ignores where the merge writes, the user's own
 * unfinished merge, rebase, cherry-pick, revert or bisect. Each refusal must change nothing.
 */
const FILES = {
  "README.md": "# demo\n",
  ".gitignore": "local.conf\nout\nconf/local\nbuild\n",
  "local.conf.example": "example=1\n",
  "conf/base.txt": "base\n",
  "script.sh": "echo hi\n",
  "notes.txt": "notes\n",
};

const SCRIPTS: Record<string, string> = {
  rename: "git mv local.conf.example local.conf && git commit -qm 'use a real config'",
  copy: "cp local.conf.example local.conf && git add -f local.conf && git commit -qm 'copy the example'",
  symlink: "ln -s notes.txt out && git add -f out && git commit -qm 'link out'",
  dirfile: "git rm -rq conf && echo flat > conf && git add conf && git commit -qm 'conf is a file now'",
  filedir:
    "mkdir -p build && echo artefact > build/result.txt && git add -f build/result.txt && git commit -qm 'commit the build'",
  feature: "echo feature > feature.txt && git add feature.txt && git commit -qm feature",
  hidden: "echo agent > notes.txt && git commit -qam 'agent notes'",
  mode: "chmod +x script.sh && git add script.sh && git commit -qm 'make it executable'",
};

interface Run {
  repo: string;
  taskId: string;
  worktree: string;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    env: { ...process.env, ...GIT_IDENTITY },
    encoding: "utf8",
  }).trim();
}

describe("data safety: codex_merge never loses the user's work", () => {
  let sb: Sandbox;
  let mcp: McpSession;
  const runs = new Map<string, Run>();
  const names = [...Object.keys(SCRIPTS), "switched", "squash2", "ops", "hook"];

  beforeAll(async () => {
    sb = await Sandbox.create();
    for (const [name, sh] of Object.entries(SCRIPTS))
      sb.model.script(name, [{ sh }, { say: `${name} done` }]);
    mcp = await McpSession.start(sb.env({ CODEXMCP_MAX_PARALLEL: "12" }));
    await Promise.all(
      names.map(async (name) => {
        const repo = await sb.newRepo(`m-${name}`, FILES);
        const script = name in SCRIPTS ? name : "feature";
        const d = await mcp.ok("codex_dispatch", {
          prompt: `[[script:${script}]]`,
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

  const run = (name: string) => runs.get(name) as Run;
  const refusedUnchanged = async (r: Run, strategy: string, message: RegExp) => {
    const before = await snapshotWork([r.repo], [r.repo, r.worktree]);
    const stateBefore = git(r.repo, "for-each-ref", "--format=%(refname) %(objectname)");
    const m = await mcp.call("codex_merge", { task_id: r.taskId, strategy });
    expect(m.isError, m.text).toBe(true);
    expect(m.text).toMatch(message);
    expect(git(r.repo, "for-each-ref", "--format=%(refname) %(objectname)")).toBe(stateBefore);
    expect(await workLost(before)).toEqual([]);
  };

  it("3: rebase (and every strategy) refuses a worktree switched to the user's branch; the branch is never rewritten", async () => {
    const r = run("switched");
    git(r.worktree, "switch", "-q", "-c", "mywork");
    await fsp.writeFile(path.join(r.worktree, "mine.txt"), "mine\n");
    git(r.worktree, "add", "mine.txt");
    git(r.worktree, "commit", "-qm", "my own work");
    git(r.repo, "commit", "-q", "--allow-empty", "-m", "main moves on");
    const mywork = git(r.repo, "rev-parse", "mywork");
    for (const strategy of ["rebase", "merge", "squash"])
      await refusedUnchanged(
        r,
        strategy,
        /is on branch mywork, not the task's branch agent\/implement-switched.*never moves mywork/,
      );
    expect(git(r.repo, "rev-parse", "mywork")).toBe(mywork);
    const c = await mcp.call("codex_cleanup", { task_id: r.taskId });
    expect(c.text).toMatch(/the worktree is on branch mywork/);
    // The advice works: switched back, the merge goes through and mywork is untouched.
    git(r.worktree, "switch", "-q", "agent/implement-switched");
    await mcp.ok("codex_merge", { task_id: r.taskId, strategy: "rebase" });
    expect(git(r.repo, "rev-parse", "mywork")).toBe(mywork);
  });

  for (const [name, file, what] of [
    ["rename", "local.conf", "a rename onto an ignored file"],
    ["copy", "local.conf", "a copy onto an ignored file"],
    ["symlink", "out", "a symlink onto an ignored file"],
    ["dirfile", "conf/local", "a file replacing a directory that holds an ignored file"],
    ["filedir", "build", "a directory where the user has an ignored file"],
  ] as const) {
    it(`4: ${what} is refused like an add, for every strategy`, async () => {
      const r = run(name);
      const target = path.join(r.repo, file);
      if (name === "filedir") await fsp.writeFile(target, "my build output\n");
      else {
        await fsp.mkdir(path.dirname(target), { recursive: true });
        await fsp.writeFile(target, "mine=secret\n");
      }
      expect(git(r.repo, "status", "--porcelain")).toBe("");
      for (const strategy of ["merge", "squash", "rebase"])
        await refusedUnchanged(
          r,
          strategy,
          /Untracked or ignored files .* are where the merge would write \(.*\); git would overwrite them/,
        );
      // Moved away, the same merge goes through.
      await fsp.rename(target, path.join(sb.root, `${name}-moved-away`));
      await mcp.ok("codex_merge", { task_id: r.taskId, strategy: "merge" });
    });
  }

  it("4: a file the user marked assume-unchanged and edited is not overwritten", async () => {
    const r = run("hidden");
    git(r.repo, "update-index", "--assume-unchanged", "notes.txt");
    await fsp.writeFile(path.join(r.repo, "notes.txt"), "my local notes\n");
    expect(git(r.repo, "status", "--porcelain")).toBe("");
    await refusedUnchanged(
      r,
      "merge",
      /local edits git is told not to see \(assume-unchanged or skip-worktree: notes\.txt\)/,
    );
    expect(await fsp.readFile(path.join(r.repo, "notes.txt"), "utf8")).toBe("my local notes\n");
  });

  it("4: a mode change merges normally when nothing is in the way", async () => {
    const r = run("mode");
    const m = await mcp.ok("codex_merge", { task_id: r.taskId, strategy: "squash" });
    expect(m.merged).toBe(true);
    expect((await fsp.stat(path.join(r.repo, "script.sh"))).mode & 0o111).not.toBe(0);
  });

  it("5: the user's unfinished merge, rebase, cherry-pick, revert and bisect are refused and left exactly as they were", async () => {
    const r = run("ops");
    const repo = r.repo;
    const gitDir = path.join(repo, ".git");
    const state = async () => {
      const names = (await fsp.readdir(gitDir)).filter((n) =>
        /HEAD$|^BISECT|MSG$|^rebase-|^sequencer$/.test(n),
      );
      const out: Record<string, string> = { status: git(repo, "status", "--porcelain") };
      for (const n of names.sort()) {
        const st = await fsp.stat(path.join(gitDir, n));
        out[n] = st.isDirectory()
          ? (await fsp.readdir(path.join(gitDir, n))).sort().join(",")
          : await fsp.readFile(path.join(gitDir, n), "utf8");
      }
      return out;
    };
    const commitOn = (branch: string, from: string, content: string) => {
      git(repo, "switch", "-q", "-c", branch, from);
      fsSync.writeFileSync(path.join(repo, "README.md"), content);
      git(repo, "commit", "-q", "--allow-empty", "-am", branch);
      const sha = git(repo, "rev-parse", "HEAD");
      git(repo, "switch", "-q", "main");
      return sha;
    };
    const tolerate = (fn: () => void) => {
      try {
        fn();
      } catch {
        // a conflict is the point
      }
    };
    const quiet = commitOn("quiet", "main", "# demo\n");
    const a = commitOn("clash-a", "main", "a\n");
    const b = commitOn("clash-b", "main", "b\n");
    const cases: [string, () => void, RegExp, () => void][] = [
      [
        "merge",
        () => git(repo, "merge", "-q", "--no-ff", "--no-commit", "-s", "ours", quiet),
        /a merge is in progress \(MERGE_HEAD\)/,
        () => git(repo, "merge", "--abort"),
      ],
      [
        "rebase",
        () => {
          git(repo, "commit", "-q", "--allow-empty", "-m", "to edit");
          execFileSync("git", ["rebase", "-q", "-i", "HEAD~1"], {
            cwd: repo,
            env: { ...process.env, ...GIT_IDENTITY, GIT_SEQUENCE_EDITOR: "sed -i -e s/^pick/edit/" },
            stdio: "ignore",
          });
        },
        /a rebase is in progress \(rebase-merge\)/,
        () => git(repo, "rebase", "--abort"),
      ],
      [
        "bisect",
        () => git(repo, "bisect", "start"),
        /a bisect is in progress \(BISECT_LOG\)/,
        () => git(repo, "bisect", "reset"),
      ],
      [
        "cherry-pick",
        () => {
          fsSync.writeFileSync(path.join(repo, "README.md"), "main\n");
          git(repo, "commit", "-qam", "main edits README");
          tolerate(() => git(repo, "cherry-pick", b));
        },
        /a cherry-pick is in progress \(CHERRY_PICK_HEAD\)/,
        () => git(repo, "cherry-pick", "--abort"),
      ],
      [
        "cherry-pick sequence",
        () => tolerate(() => git(repo, "cherry-pick", b, quiet)),
        /a cherry-pick is in progress \(CHERRY_PICK_HEAD\).*a cherry-pick or revert sequence is in progress \(sequencer\)/,
        () => git(repo, "cherry-pick", "--abort"),
      ],
      [
        "revert",
        () => {
          fsSync.writeFileSync(path.join(repo, "README.md"), "c\n");
          git(repo, "commit", "-qam", "c");
          tolerate(() => git(repo, "revert", "--no-edit", a));
        },
        /a revert is in progress \(REVERT_HEAD\)/,
        () => git(repo, "revert", "--abort"),
      ],
    ];
    for (const [label, start, message, finish] of cases) {
      start();
      const held = await state();
      await refusedUnchanged(r, "merge", message);
      expect(await state(), label).toEqual(held);
      finish();
    }
    // Each advice given ("git -C <repo> merge --abort" …) was what finished it above.
    expect(git(repo, "status", "--porcelain")).toBe("");
  });

  it("squash twice: the second answers 'already merged', not a collision with tracked files", async () => {
    const r = run("squash2");
    const first = await mcp.ok("codex_merge", { task_id: r.taskId, strategy: "squash" });
    expect(first.merged).toBe(true);
    for (const strategy of ["squash", "merge", "rebase"]) {
      const again = await mcp.ok("codex_merge", { task_id: r.taskId, strategy });
      expect(again).toMatchObject({ merged: false });
      expect(String(again.hint)).toMatch(/already merged/);
    }
  });

  it("an error path undoes only this call's merge: a merge that fails half-way leaves the checkout as it was", async () => {
    // codexmcp's git runs no hooks, so no repository can make a merge fail half-way; a git that
    // stops after the real merge has started (MERGE_HEAD written, index and files changed) can.
    const r = run("hook");
    const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
    const binDir = path.join(sb.root, "failing-git");
    await fsp.mkdir(binDir, { recursive: true });
    await fsp.writeFile(
      path.join(binDir, "git"),
      `#!/bin/sh\ncase " $* " in *" merge --no-ff "*) "${realGit}" "$@" --no-commit; echo "fatal: stopped half-way" >&2; exit 128;; esac\nexec "${realGit}" "$@"\n`,
      { mode: 0o755 },
    );
    const failing = await McpSession.start(sb.env({ PATH: `${binDir}:${process.env.PATH}` }));
    try {
      const before = await snapshotWork([r.repo], [r.repo, r.worktree]);
      const head = git(r.repo, "rev-parse", "HEAD");
      const m = await failing.call("codex_merge", { task_id: r.taskId, strategy: "merge" });
      expect(m.isError).toBe(true);
      expect(git(r.repo, "rev-parse", "HEAD")).toBe(head);
      expect(existsSync(path.join(r.repo, ".git", "MERGE_HEAD"))).toBe(false);
      expect(git(r.repo, "status", "--porcelain")).toBe("");
      expect(await workLost(before)).toEqual([]);
    } finally {
      await failing.close();
    }
    // The same merge through the real git then goes in.
    const ok = await mcp.ok("codex_merge", { task_id: r.taskId, strategy: "merge" });
    expect(ok.merged).toBe(true);
  });
});
