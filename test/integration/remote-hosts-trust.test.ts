import { execFileSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox, SERVER_BIN } from "../helpers/sandbox.js";
import { hostEntry, SshHost, sshdAvailable } from "../helpers/sshd.js";
import { untilEnded } from "../helpers/wait.js";

/**
 * A repository's `.codexmcp.yaml` setup and env on a host: the person at the dispatching machine
 * decides (their `codexmcp trust`, pinned to the content), the host applies the file only when
 * the bytes that arrived are the ones vouched for. Real sshd, real Codex on the host.
 */
const CONFIG = [
  "worktree:",
  "  setup:",
  "    - id -un > setup-ran.txt",
  "env:",
  "  REPO_MARK: from-the-repository",
  "",
].join("\n");

describe.skipIf(!sshdAvailable())(".codexmcp.yaml setup on a host, under the trust rules (real sshd)", () => {
  let sb: Sandbox;
  let box: SshHost;
  let mcp: McpSession;
  const hostHome = () => path.join(box.home, ".codexmcp");
  const entries = async (dir: string) => (await fsp.readdir(dir).catch(() => [] as string[])).sort();
  const dispatch = (topic: string) =>
    mcp.call("codex_dispatch", {
      prompt: "Show the mark [[script:trust-mark]]",
      cwd: sb.repo,
      topic,
      sandbox: "full-access",
      host: "box1",
    });

  beforeAll(async () => {
    sb = await Sandbox.create({ "README.md": "# demo\n", ".codexmcp.yaml": CONFIG });
    sb.model.script("trust-mark", [{ sh: 'echo "mark=$REPO_MARK" > mark.txt' }, { say: "Marked." }]);
    box = await SshHost.start({ codexConfig: (dir) => sb.model.writeCodexHome(dir) });
    await fsp.mkdir(sb.home, { recursive: true, mode: 0o700 });
    await fsp.writeFile(path.join(sb.home, "config.yaml"), `hosts:\n${hostEntry(box, "box1")}`);
    mcp = await McpSession.start(sb.env());
  }, 180_000);
  afterAll(async () => {
    await mcp?.close();
    await box?.destroy();
    await sb?.dispose();
  });

  it("untrusted: refused here before anything reaches the host; the advice, run as printed, trusts it and the setup and env then run on the host", async () => {
    const refused = await dispatch("test-trust_first-v1");
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain(`${path.join(sb.repo, ".codexmcp.yaml")} is not trusted`);
    expect(refused.text).toContain('on host "box1" would use its env, worktree.setup');
    // Nothing reached the host: no task, no mirror, no worktree; nothing recorded here either.
    expect(await entries(path.join(hostHome(), "tasks"))).toEqual([]);
    expect(await entries(path.join(hostHome(), "mirrors"))).toEqual([]);
    expect(await entries(path.join(box.home, "codexmcp-worktrees"))).toEqual([]);
    expect(await entries(path.join(sb.home, "tasks"))).toEqual([]);

    // The person reads the file and runs the advice exactly as printed (here, with the built CLI).
    const command = /`(codexmcp trust [^`]+)`/.exec(refused.text)?.[1];
    expect(command, refused.text).toBe(`codexmcp trust ${sb.repo} --home ${sb.home}`);
    execFileSync(process.execPath, [SERVER_BIN, ...(command as string).split(" ").slice(1)], {
      env: sb.env(),
      stdio: "ignore",
    });

    const d = await dispatch("test-trust_first-v1");
    expect(d.isError, d.text).toBe(false);
    const s = await untilEnded(mcp, "codex-test-trust_first-v1", 180_000);
    expect(s).toMatchObject({ status: "completed", result: "Marked.", host: "box1" });
    const worktree = String(s.worktree_dir);
    // The setup ran there, as the host's user, before the agent; the agent saw the repository's env.
    expect(await fsp.readFile(path.join(worktree, "setup-ran.txt"), "utf8")).toBe(`${box.user}\n`);
    expect(await fsp.readFile(path.join(worktree, "mark.txt"), "utf8")).toBe("mark=from-the-repository\n");
  }, 300_000);

  it("changed since it was trusted (an uncommitted edit travels in the snapshot): refused again, nothing sent", async () => {
    const file = path.join(sb.repo, ".codexmcp.yaml");
    await fsp.appendFile(file, "  OTHER: 1\n");
    try {
      const tasksBefore = await entries(path.join(hostHome(), "tasks"));
      const refused = await dispatch("test-trust_changed-v1");
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain("has changed since it was trusted");
      expect(refused.text).toContain(`codexmcp trust ${sb.repo} --home ${sb.home}`);
      expect(await entries(path.join(hostHome(), "tasks"))).toEqual(tasksBefore);
    } finally {
      gitIn(sb.repo, "checkout", "--", ".codexmcp.yaml");
    }
  }, 120_000);

  it("the host checks the bytes, not the claim: a dispatch that vouches for other content, or for none, runs no setup there and leaves nothing", async () => {
    // A snapshot the host's mirror already holds (the trusted repository's, from the first test).
    const snapshot = gitIn(sb.repo, "rev-parse", "refs/codexmcp/remote/codex-test-trust_first-v1/snapshot");
    const [mirror] = await entries(path.join(hostHome(), "mirrors"));
    expect(mirror).toMatch(/^[0-9a-f]+\.git$/);
    const repoId = String(mirror).replace(/\.git$/, "");
    for (const [n, vouch] of [
      [1, { trusted_config: "0".repeat(64) }],
      [2, {}],
    ] as const) {
      const topic = `codex-test-forged_${n}-v1`;
      const spec = {
        repo_id: repoId,
        repo_name: "project",
        subdir: "",
        snapshot,
        topic,
        sandbox: "full-access",
        env: {},
        prompt: "Show the mark [[script:trust-mark]]",
        ...vouch,
      };
      let out = "";
      try {
        out = box.ssh([box.codexmcpBin, "remote", "dispatch"], `${JSON.stringify(spec)}\n`);
      } catch (err) {
        out = String((err as { stdout?: string }).stdout);
      }
      const reply = JSON.parse(out.split("\n")[0] ?? "{}") as { error?: string };
      expect(reply.error).toContain(".codexmcp.yaml is not trusted");
      expect(reply.error).toContain("did not vouch for exactly this content");
      const tasks = await entries(path.join(hostHome(), "tasks"));
      expect(tasks.filter((t) => t.includes(`forged_${n}`))).toEqual([]);
      const worktrees = await entries(path.join(box.home, "codexmcp-worktrees"));
      expect(worktrees.filter((w) => w.includes(`forged_${n}`))).toEqual([]);
      const branches = box.ssh([
        "git",
        "-C",
        path.join(hostHome(), "mirrors", String(mirror)),
        "branch",
        "--list",
        `agent/test-forged_${n}*`,
      ]);
      expect(branches.trim()).toBe("");
    }
  }, 120_000);
});
