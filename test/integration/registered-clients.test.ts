import { promises as fsp } from "node:fs";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENTS, type ClientName, UserMachine } from "../helpers/user-machine.js";

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const r = (await client.callTool({ name, arguments: args }, undefined, {
    timeout: 120_000,
  })) as CallToolResult;
  const text = r.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  if (r.isError) throw new Error(`${name}: ${text}`);
  return (r.structuredContent ?? {}) as Record<string, unknown>;
}

/** Every tool name a Responses request offers, namespaces and the tools inside them. */
function toolNames(tools: unknown): string[] {
  const out: string[] = [];
  for (const t of (tools as { name?: string; tools?: unknown }[]) ?? []) {
    if (t.name) out.push(t.name);
    if (t.tools) out.push(...toolNames(t.tools).map((n) => `${t.name}/${n}`));
  }
  return out;
}

/**
 * The first hour on a new machine: `codexmcp install <client>` for every client, then the server
 * started exactly as that client's registration says — its command, args and env on top of the
 * bare environment a client gives (a desktop app's PATH, no node_modules/.bin) — runs a real task.
 */
describe("installed for each client, the server runs as registered", () => {
  let m: UserMachine;

  beforeAll(async () => {
    m = await UserMachine.create("clients");
    m.model.script("work", [
      { sh: "printf 'hello\\n' > hello.txt && git add hello.txt && git commit -qm hello" },
      { say: "Added hello.txt." },
    ]);
  });
  afterAll(async () => {
    await m?.dispose();
  });

  it.each(CLIENTS)(
    "%s: registered with CODEX_BIN and PATH; a full-access task completes",
    async (name: ClientName) => {
      const installed = await m.codexmcp(["install", name]);
      expect(installed.exitCode, installed.stderr).toBe(0);
      expect(installed.stdout).toContain(`codexmcp doctor --client ${name}`);
      const entry = await m.entry(name);
      expect(entry.command).toBe(process.execPath);
      expect(entry.env.CODEX_BIN).toBe(path.join(m.bin, "codex"));
      const dirs = entry.env.PATH?.split(path.delimiter) ?? [];
      expect(dirs).toContain(m.bin);
      expect(dirs).toContain(path.dirname(process.execPath));
      expect(dirs.some((d) => d.includes("node_modules"))).toBe(false);

      const client = await m.startAsRegistered(entry);
      try {
        const d = await call(client, "codex_dispatch", {
          prompt: "[[script:work]]",
          cwd: m.repo,
          topic: `implement-from_${name.replace("-", "_")}-v1`,
          sandbox: "full-access",
        });
        const w = await call(client, "codex_wait", {
          task_ids: [d.task_id],
          cursor: d.cursor,
          timeout_seconds: 120,
        });
        const task = w.task as Record<string, unknown>;
        expect(w.status, String(task?.error)).toBe("completed");
        expect(task.result).toBe("Added hello.txt.");
        expect(task.commits_ahead).toBe(1);
      } finally {
        await client.close();
      }
    },
  );

  it("doctor --client reads the registration back and checks with the client's command and environment", async () => {
    const ok = await m.codexmcp(["doctor", "--client", "cursor", "--json"]);
    expect(ok.exitCode, ok.stdout).toBe(0);
    const checks = JSON.parse(ok.stdout).checks as { name: string; status: string; detail: string }[];
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(byName.registration?.detail).toMatch(/started and listed \d+ tools/);
    expect(byName.codex?.detail).toContain(path.join(m.bin, "codex"));

    // An entry as install wrote it before this release (no CODEX_BIN, no PATH): doctor says what
    // the client would hit, although `codex` is on this shell's PATH.
    const file = m.configFile("cursor");
    const doc = JSON.parse(await fsp.readFile(file, "utf8"));
    doc.mcpServers.codex = { command: process.execPath, args: doc.mcpServers.codex.args };
    await fsp.writeFile(file, JSON.stringify(doc));
    const bad = await m.codexmcp(["doctor", "--client", "cursor"]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toMatch(/✗ codex\s+"codex" not found/);

    const missing = await m.codexmcp(["doctor", "--client", "cursor", "--name", "other"]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("register it with: codexmcp install cursor --name other");
  });

  it("install refuses to register a server that could not find Codex, and says how", async () => {
    const r = await m.codexmcp(["install", "cursor", "--name", "nocodex"], {
      PATH: `${path.join(process.cwd(), "node_modules/.bin")}${path.delimiter}/usr/bin:/bin`,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /The Codex CLI \("codex"\) was not found on PATH \(node_modules\/\.bin does not count/,
    );
    expect(r.stderr).toContain("--codex-bin");
    // The advice works.
    const fixed = await m.codexmcp(
      ["install", "cursor", "--name", "nocodex", "--codex-bin", path.join(m.bin, "codex")],
      {
        PATH: "/usr/bin:/bin",
      },
    );
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect((await m.entry("cursor", "nocodex")).env.CODEX_BIN).toBe(path.join(m.bin, "codex"));
  });

  it("after install codex, a task's Codex starts no codexmcp: no codexmcp tools reach its model", async () => {
    // ~/.codex/config.toml, which the tasks' own Codex reads too (idempotent if done above).
    expect((await m.codexmcp(["install", "codex"])).exitCode).toBe(0);
    expect((await m.entry("codex")).command).toBe(process.execPath);
    m.model.script("probe", [{ sh: "true" }, { say: "probed" }]);
    const client = await m.startAsRegistered(await m.entry("codex"));
    try {
      const before = m.model.requests.length;
      const d = await call(client, "codex_dispatch", {
        prompt: "[[script:probe]]",
        cwd: m.repo,
        topic: "review-recursion-v1",
        sandbox: "read-only",
      });
      await call(client, "codex_wait", { task_ids: [d.task_id], cursor: d.cursor, timeout_seconds: 120 });
      const requests = m.model.requests.slice(before).filter((r) => r.script === "probe");
      expect(requests.length).toBe(2);
      for (const r of requests) {
        const names = toolNames(r.body.tools);
        expect(names).toContain("exec_command");
        expect(names.filter((n) => n.includes("codex_") || n.startsWith("mcp__codex"))).toEqual([]);
      }
      const log = await fsp.readFile(
        path.join(m.home, ".codexmcp", "tasks", "codex-review-recursion-v1", "codex-exec.log"),
        "utf8",
      );
      expect(log).toContain('-c mcp_servers.codex={command="true",enabled=false}');
    } finally {
      await client.close();
    }
  });
});
