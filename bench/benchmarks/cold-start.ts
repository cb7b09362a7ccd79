import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ListToolsResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { loadSettings } from "../../dist/config/settings.js";
import { createServer } from "../../dist/server/server.js";
import { TaskManager } from "../../dist/tasks/manager.js";
import { alternate, series } from "../lib/alternate.js";
import type { Benchmark } from "../lib/bench.js";
import { must } from "../lib/exec.js";
import { importTime } from "../lib/imports.js";
import { McpClient } from "../lib/mcp.js";
import { FIXTURES_DIR, ROOT, SERVER_BIN } from "../lib/paths.js";

const MINIMAL_SERVER = path.join(FIXTURES_DIR, "minimal-server.js");
const SDK_MODULES = [
  "@modelcontextprotocol/sdk/server/mcp.js",
  "@modelcontextprotocol/sdk/server/stdio.js",
  "zod",
];

/** A client connected in-process to `server`: tools/list without process or pipe in the way. */
async function inProcess(server: McpServer): Promise<{ client: Client; close(): Promise<void> }> {
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "codexmcp-bench", version: "1.0.0" });
  await client.connect(clientSide);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

function minimalServer(): McpServer {
  const server = new McpServer({ name: "minimal", version: "1.0.0" });
  server.registerTool(
    "echo",
    { title: "Echo", description: "Returns its input.", inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  return server;
}

export const coldStart: Benchmark = {
  name: "cold-start",
  title: "spawn → initialize answered → tools/list answered: codexmcp vs a minimal SDK server with one tool",
  async run(ctx) {
    const n = ctx.quick ? 5 : 15;
    const warmup = 2;
    const home = ctx.sandbox.path("state");
    const env = ctx.sandbox.serverEnv(home);
    let ourTools = 0;

    const start = (args: readonly string[], onTools?: (count: number) => void) => async () => {
      const c = McpClient.create(process.execPath, args, env);
      try {
        const t0 = performance.now();
        await c.connect();
        const t1 = performance.now();
        // Until the answer arrives: a plain request, as the warm rows below do (the SDK's
        // Client.listTools then compiles validators for the output schemas, client-side work).
        const { tools } = await c.client.request({ method: "tools/list" }, ListToolsResultSchema);
        const t2 = performance.now();
        if (tools.length === 0) throw new Error(`${args.join(" ")} listed no tools`);
        onTools?.(tools.length);
        return { initialize: t1 - t0, tools_list: t2 - t1, total: t2 - t0 };
      } finally {
        await c.close();
      }
    };
    const samples = await alternate({
      n,
      warmup,
      label: "cold-start",
      variants: [
        { name: "codexmcp", run: start([SERVER_BIN], (count) => (ourTools = count)) },
        { name: "minimal", run: start([MINIMAL_SERVER]) },
        {
          name: "node -e 0",
          run: async () => {
            const t0 = performance.now();
            await must(process.execPath, ["-e", "0"]);
            return performance.now() - t0;
          },
        },
        { name: "import cli", run: () => importTime([path.join(ROOT, "dist/cli/main.js")]) },
        {
          name: "import serve path",
          run: () =>
            importTime(
              ["cli/main.js", "cli/commands/serve.js", "server/stdio.js"].map((m) =>
                path.join(ROOT, "dist", m),
              ),
            ),
        },
        { name: "import sdk", run: () => importTime(SDK_MODULES) },
      ],
    });

    // Where the server's import time goes: its heaviest pieces, each in a fresh process.
    const pieces: Record<string, string> = {
      execa: "execa",
      "SDK McpServer (with zod)": "@modelcontextprotocol/sdk/server/mcp.js",
      "dist/tasks/manager.js": path.join(ROOT, "dist/tasks/manager.js"),
      "dist/server/server.js": path.join(ROOT, "dist/server/server.js"),
    };
    const importSamples = await alternate({
      n: ctx.quick ? 2 : 6,
      warmup: 0,
      variants: Object.entries(pieces).map(([name, spec]) => ({ name, run: () => importTime([spec]) })),
    });

    // Building the server object once its modules are loaded: settings, task manager, 10 tools
    // and the resources (the first build in this process is the cold one a server pays).
    const build = await alternate({
      n: ctx.quick ? 5 : 10,
      warmup: 0,
      variants: [
        {
          name: "codexmcp",
          run: async () => {
            const t0 = performance.now();
            const settings = await loadSettings(env);
            const t1 = performance.now();
            const server = createServer(new TaskManager(settings, process.env, {}));
            const t2 = performance.now();
            await server.close();
            return { settings: t1 - t0, create_server: t2 - t1 };
          },
        },
        {
          name: "minimal",
          run: async () => {
            const t0 = performance.now();
            const server = minimalServer();
            const ms = performance.now() - t0;
            await server.close();
            return ms;
          },
        },
      ],
    });

    // tools/list on warm servers in this process: what answering it costs once everything is loaded.
    const ours = await inProcess(createServer(new TaskManager(await loadSettings(env), env, {})));
    const minimal = await inProcess(minimalServer());
    let listBytes = 0;
    const warmList = await alternate({
      n: ctx.quick ? 10 : 40,
      warmup: 3,
      variants: [
        {
          name: "codexmcp",
          run: async () => {
            // The server's answer: a plain request, so the client's own work on the list
            // (Client.listTools compiles a validator for every output schema) is left out.
            const t0 = performance.now();
            const r = await ours.client.request({ method: "tools/list" }, ListToolsResultSchema);
            const t1 = performance.now();
            await ours.client.listTools();
            const t2 = performance.now();
            listBytes = JSON.stringify(r).length;
            return { value: t1 - t0, sdk_client: t2 - t1 };
          },
        },
        {
          name: "minimal",
          run: async () => {
            const t0 = performance.now();
            await minimal.client.request({ method: "tools/list" }, ListToolsResultSchema);
            const t1 = performance.now();
            await minimal.client.listTools();
            const t2 = performance.now();
            return { value: t1 - t0, sdk_client: t2 - t1 };
          },
        },
      ],
    });
    await ours.close();
    await minimal.close();

    const row = (metric: string, key: string) => ({
      metric,
      unit: "ms" as const,
      ours: series(samples, "codexmcp", key),
      baseline: { name: "minimal SDK server", samples: series(samples, "minimal", key) },
    });
    return {
      parameters: { repetitions: n, warmup, codexmcp_tools: ourTools, minimal_tools: 1 },
      samples: {
        ...samples,
        ...Object.fromEntries(Object.entries(importSamples).map(([k, v]) => [`import ${k}`, v])),
        "build codexmcp": build.codexmcp ?? {},
        "build minimal": build.minimal ?? {},
        "warm tools/list codexmcp": warmList.codexmcp ?? {},
        "warm tools/list minimal": warmList.minimal ?? {},
      },
      rows: [
        row("initialize (spawn → answered)", "initialize"),
        row("tools/list (first, over stdio)", "tools_list"),
        row("total", "total"),
        {
          metric: "tools/list, warm, server's answer",
          unit: "ms",
          ours: series(warmList, "codexmcp"),
          baseline: { name: "minimal SDK server", samples: series(warmList, "minimal") },
        },
        {
          metric: "  tools/list, warm, SDK Client.listTools",
          unit: "ms",
          ours: series(warmList, "codexmcp", "sdk_client"),
          baseline: { name: "minimal SDK server", samples: series(warmList, "minimal", "sdk_client") },
        },
        {
          metric: "build the server object (in-process)",
          unit: "ms",
          ours: series(build, "codexmcp", "create_server"),
          baseline: { name: "minimal SDK server", samples: series(build, "minimal") },
        },
        { metric: "  loadSettings (in-process)", unit: "ms", ours: series(build, "codexmcp", "settings") },
        {
          metric: "import dist/cli/main.js",
          unit: "ms",
          ours: series(samples, "import cli"),
          baseline: { name: "SDK server + zod", samples: series(samples, "import sdk") },
        },
        {
          metric: "import cli/main + commands/serve + server/stdio",
          unit: "ms",
          ours: series(samples, "import serve path"),
          baseline: { name: "SDK server + zod", samples: series(samples, "import sdk") },
        },
        { metric: "bare node start (node -e 0)", unit: "ms", ours: series(samples, "node -e 0") },
        ...Object.keys(pieces).map((name) => ({
          metric: `  import ${name} alone`,
          unit: "ms" as const,
          ours: series(importSamples, name),
        })),
      ],
      extra: { tools_list_bytes: listBytes },
      notes: [
        `codexmcp lists ${ourTools} tools (${listBytes} bytes of tools/list JSON), the minimal server 1.`,
        "import rows: `await import()` timed inside a fresh node process, of tsc's per-module output (what the embedding API loads; the server and the runner run the bundles dist/bin/codexmcp.js and dist/runner/main.js, which the spawn rows time) — dist/cli/main.js is the command line's entry (its static imports); cli/main + cli/commands/serve + server/stdio is everything serving MCP over stdio loads; the SDK row is McpServer, StdioServerTransport and zod.",
        "build the server object: createServer(new TaskManager(settings, process.env, {})) vs new McpServer + one registerTool, in the bench process after the modules are loaded; the first of the samples is the cold one (see the JSON's samples).",
        "tools/list, warm: repeated tools/list over an InMemoryTransport on servers built in the bench process — no spawn, no pipe. The server's answer is a plain tools/list request; Client.listTools adds the SDK client's own work (it compiles a validator for every tool's output schema on each listing).",
      ],
    };
  },
};
