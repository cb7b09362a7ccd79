import { promises as fsp } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { OTHER_CODEX_VERSIONS } from "../helpers/codex-versions.js";
import { McpSession } from "../helpers/mcp.js";
import { gitIn, Sandbox, sandboxModes } from "../helpers/sandbox.js";
import { untilEnded } from "../helpers/wait.js";

/**
 * Every tested Codex but the default (which the whole suite uses) runs this focused subset: what
 * codexmcp reads from Codex (argv, events, resume, retries, config) end to end.
 */
describe.each(OTHER_CODEX_VERSIONS)("Codex %s", (version) => {
  let sb: Sandbox;
  let mcp: McpSession;

  beforeAll(async () => {
    sb = await Sandbox.create(undefined, { codexVersion: version });
    sb.model.script("review", [{ sh: "cat README.md" }, { say: "Reviewed." }]);
    sb.model.script("write", [
      { sh: "printf 'v\\n' > v.txt && git add v.txt && git commit -qm v" },
      { say: "Wrote v.txt." },
    ]);
    sb.model.script("more", [{ sh: "printf 'w\\n' > w.txt" }, { say: "And w.txt." }]);
    mcp = await McpSession.start(sb.env({ CODEXMCP_UNREACHABLE_TIMEOUT: "5" }));
  });
  afterAll(async () => {
    await mcp?.close();
    await sb?.dispose();
  });

  it("is the version under test", async () => {
    const r = await cli(["doctor", "--json"], sb.env());
    const codex = (JSON.parse(r.stdout).checks as { name: string; status: string; detail: string }[]).find(
      (c) => c.name === "codex",
    );
    expect(codex).toMatchObject({ status: "ok", detail: expect.stringContaining(`codex-cli ${version}`) });
    expect(codex?.detail).toContain("exec --json round trip");
  });

  it("read-only: result, session and usage read from its events", async () => {
    const r = await mcp.ok("codex", {
      prompt: "[[script:review]]",
      cwd: sb.repo,
      topic: "review-versions-v1",
      sandbox: "read-only",
    });
    expect(r).toMatchObject({ status: "completed", result: "Reviewed.", exit_code: 0 });
    expect(String(r.session_id)).toMatch(/^[0-9a-f-]{36}$/);
    expect((r.usage as Record<string, number>).input_tokens).toBeGreaterThan(0);
  });

  it("full-access in a worktree, then resumed with full access in the same worktree", async () => {
    const first = await mcp.ok("codex", {
      prompt: "[[script:write]]",
      cwd: sb.repo,
      topic: "implement-versions-v1",
      sandbox: "full-access",
    });
    expect(first).toMatchObject({ status: "completed", commits_ahead: 1 });
    const reply = await mcp.ok("codex_reply", { task_id: first.task_id, prompt: "[[script:more]]" });
    const second = await untilEnded(mcp, String(reply.task_id));
    expect(second).toMatchObject({ status: "completed", result: "And w.txt.", session_id: first.session_id });
    expect(gitIn(String(first.worktree_dir), "status", "--porcelain")).toContain("w.txt");
    const resumed = sb.model.requests.filter((q) => q.script === "more");
    expect(sandboxModes(resumed[0]?.body).at(-1)).toBe("danger-full-access");
  });

  it("an unreachable provider fails within the bound, with the cause", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const home = path.join(sb.root, "codex-home-closed");
    await fsp.mkdir(home, { recursive: true });
    await fsp.writeFile(
      path.join(home, "config.toml"),
      `model_provider = "x"\n[model_providers.x]\nname = "x"\nbase_url = "http://127.0.0.1:${port}/v1"\nwire_api = "responses"\n`,
    );
    const down = await McpSession.start(sb.env({ CODEX_HOME: home, CODEXMCP_UNREACHABLE_TIMEOUT: "5" }));
    try {
      const r = await down.ok("codex", {
        prompt: "hi",
        cwd: sb.repo,
        topic: "review-down-v1",
        sandbox: "read-only",
      });
      expect(r.status).toBe("failed");
      expect(String(r.error)).toMatch(
        /^Codex cannot reach its model provider: Reconnecting\.\.\. waiting for network/,
      );
    } finally {
      await down.close();
    }
  });

  it("takes the -c overrides that switch off the MCP servers its config lists", async () => {
    await fsp.appendFile(
      path.join(sb.codexHome, "config.toml"),
      `\n[mcp_servers.codex]\ncommand = "${process.execPath}"\nargs = ["${path.join(sb.root, "no-such-server.js")}"]\n`,
    );
    const r = await mcp.ok("codex", {
      prompt: "[[script:review]]",
      cwd: sb.repo,
      topic: "review-nomcp-v1",
      sandbox: "read-only",
    });
    // A override this Codex rejected would have failed the run (it rejects bare enabled=false
    // for a name it did not load, for instance).
    expect(r.status).toBe("completed");
    const log = await fsp.readFile(path.join(sb.taskDir("codex-review-nomcp-v1"), "codex-exec.log"), "utf8");
    expect(log).toContain('exec -c mcp_servers.codex={command="true",enabled=false} --json');
  });
});
