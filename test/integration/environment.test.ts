import { execFileSync } from "node:child_process";
import { type Dirent, promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { until, untilEnded } from "../helpers/wait.js";

/** "" for a file that is gone; any other error stands. */
function gone(err: unknown): "" {
  if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
  throw err;
}

/** Files under `dir`; a temp file or lock the runner removes meanwhile is passed over. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries: Dirent[] = [];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    gone(err);
  }
  for (const entry of entries) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

describe("the task's environment", () => {
  let sb: Sandbox;
  const secret = `s3cr3t-${Math.random().toString(36).slice(2)}`;

  beforeAll(async () => {
    sb = await Sandbox.create();
    sb.model.script("env", [
      { sh: 'printf "%s|%s" "$CODEXMCP_TEST_FOO" "$CODEXMCP_TEST_API_KEY" > env.txt; sleep 2' },
      { say: "Recorded the environment." },
    ]);
    // A tmux server started long ago, with another environment, on the sandbox's socket.
    execFileSync("tmux", ["-L", sb.socket, "new-session", "-d", "-s", "preexisting", "sleep", "600"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", CODEXMCP_TEST_FOO: "stale" },
    });
  });
  afterAll(async () => {
    await sb?.dispose();
  });

  it("is the server's environment, not the older tmux server's; secrets stay out of ps and world-readable files", async () => {
    const codexHome = await sb.model.writeCodexHome(sb.codexDir("codex-home-keyed"), {
      envKey: "CODEXMCP_TEST_API_KEY",
    });
    const mcp = await McpSession.start(
      sb.env({ CODEX_HOME: codexHome, CODEXMCP_TEST_FOO: "fresh", CODEXMCP_TEST_API_KEY: secret }),
    );
    try {
      const d = await mcp.ok("codex_dispatch", {
        prompt: "[[script:env]]",
        cwd: sb.repo,
        topic: "test-env-v1",
        sandbox: "full-access",
      });
      const envFile = path.join(String(d.worktree_dir), "env.txt");
      await until(
        "the command to run",
        async () => (await fsp.readFile(envFile, "utf8").catch(() => "")) !== "",
      );

      // While it runs: no process shows the secret, and any file holding it is private.
      const ps = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
      expect(ps).not.toContain(secret);
      for (const file of await filesUnder(sb.home)) {
        const text = await fsp.readFile(file, "utf8").catch(() => "");
        if (!text.includes(secret)) continue;
        expect((await fsp.stat(file)).mode & 0o077, file).toBe(0);
        expect((await fsp.stat(path.dirname(file))).mode & 0o077, file).toBe(0);
      }

      const s = await untilEnded(mcp, "codex-test-env-v1");
      expect(s.status).toBe("completed");
      expect(await fsp.readFile(envFile, "utf8")).toBe(`fresh|${secret}`);
      // Codex itself got the key: it authenticated to the model with it.
      expect(sb.model.requests.filter((q) => q.script === "env").map((q) => q.authorization)).toContain(
        `Bearer ${secret}`,
      );
      // The environment snapshot is gone once the runner has read it.
      await expect(fsp.stat(path.join(sb.taskDir("codex-test-env-v1"), "env.json"))).rejects.toThrow();
      for (const file of await filesUnder(sb.home))
        expect(await fsp.readFile(file, "utf8").catch(gone), file).not.toContain(secret);
      // The state directory is private.
      expect((await fsp.stat(sb.home)).mode & 0o077).toBe(0);
    } finally {
      await mcp.close();
    }
  });
});
