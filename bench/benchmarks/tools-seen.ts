import { spawn } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { alternate, series } from "../lib/alternate.js";
import type { Benchmark } from "../lib/bench.js";
import { CODEX_BIN, FIXTURES_DIR, SERVER_BIN } from "../lib/paths.js";

const MINIMAL_SERVER = path.join(FIXTURES_DIR, "minimal-server.js");
/** Model requests per run: Codex asks once per step until the last answer ends the turn. */
const STEPS = 5;

/**
 * Codex (0.169, 0.171) sends its first model request without waiting for its MCP servers: a
 * server that answers `initialize` late is missing from the first requests' tools, and a model
 * that wanted it cannot call it. Each sample is one real `codex exec` with the server registered
 * in its config, against the scripted model: how many of its requests lacked the server's tools.
 */
export const toolsSeen: Benchmark = {
  name: "tools-seen",
  title: "headless Codex with the server registered: model requests sent before its tools were offered",
  async run(ctx) {
    const n = ctx.quick ? 3 : 10;
    const model = ctx.sandbox.model;
    model.script("tools-seen", [
      ...Array.from({ length: STEPS - 1 }, () => ({ sh: "true" })),
      { say: "done" },
    ]);

    const once = (server: readonly string[], namespace: string) => async (i: number) => {
      const home = ctx.sandbox.path(`tools-seen-${namespace}-${i}`);
      await model.writeCodexHome(home);
      const entry = `\n[mcp_servers.${namespace}]\ncommand = "${process.execPath}"\nargs = [${server.map((a) => JSON.stringify(a)).join(", ")}]\n[mcp_servers.${namespace}.env]\nCODEXMCP_HOME = "${path.join(home, "state")}"\n`;
      await fsp.appendFile(path.join(home, "config.toml"), entry);
      const before = model.requests.length;
      await new Promise<void>((resolve, reject) => {
        const child = spawn(
          CODEX_BIN,
          ["exec", "--json", "--skip-git-repo-check", "-C", home, "-s", "read-only", "-"],
          {
            env: { ...process.env, HOME: ctx.sandbox.userHome, CODEX_HOME: home },
            stdio: ["pipe", "ignore", "ignore"],
          },
        );
        child.stdin.end("[[script:tools-seen]]");
        child.once("error", reject);
        child.once("exit", () => resolve());
      });
      const requests = model.requests.slice(before).filter((r) => r.script === "tools-seen");
      const offered = requests.findIndex((r) =>
        JSON.stringify(r.body.tools ?? []).includes(`"mcp__${namespace}"`),
      );
      await fsp.rm(home, { recursive: true, force: true });
      return { requests_without: offered < 0 ? requests.length : offered };
    };

    const samples = await alternate({
      n,
      warmup: 1,
      label: "tools-seen",
      variants: [
        { name: "codexmcp", run: once([SERVER_BIN], "codexmcp") },
        { name: "minimal", run: once([MINIMAL_SERVER], "minimal") },
      ],
    });
    return {
      parameters: { repetitions: n, model_requests_per_run: STEPS },
      samples,
      rows: [
        {
          metric: "requests without the server's tools",
          unit: "count",
          ours: series(samples, "codexmcp", "requests_without"),
          baseline: { name: "minimal SDK server", samples: series(samples, "minimal", "requests_without") },
        },
      ],
      notes: [
        "Counts how many of a run's first model requests lacked the server's tools (0: offered from the first request on).",
        "Codex starts its MCP servers alongside its first request; the figure follows how fast a server answers initialize (see cold-start).",
      ],
    };
  },
};
