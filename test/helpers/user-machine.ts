import { execFileSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { parse as parseToml } from "smol-toml";
import { ScriptedModel } from "../../src/e2e/scripted-model.js";
import { type CliResult, cli } from "./cli.js";
import { codexBin } from "./codex-versions.js";
import { testDir, userPath } from "./paths.js";
import { GIT_IDENTITY, makeRepo } from "./sandbox.js";

export type ClientName = "claude-code" | "codex" | "cursor" | "gemini" | "claude-desktop";
export const CLIENTS: readonly ClientName[] = ["claude-code", "codex", "cursor", "gemini", "claude-desktop"];

/** A registered server entry, read back from the client's own file. */
export interface Entry {
  readonly command: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly raw: Record<string, unknown>;
}

/**
 * A new user's machine in a directory: a HOME whose Codex (~/.codex/config.toml) talks to a
 * scripted model, the Codex CLI installed "globally" in a bin directory of its own (as npm -g
 * does), and a project. PATH is the user's: no node_modules/.bin.
 */
export class UserMachine {
  readonly model = new ScriptedModel();
  root = "";
  home = "";
  bin = "";
  repo = "";
  readonly socket = `codexmcp-um-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  static async create(name: string): Promise<UserMachine> {
    const m = new UserMachine();
    m.root = await testDir(name);
    m.home = path.join(m.root, "home");
    m.bin = path.join(m.root, "bin");
    await fsp.mkdir(m.bin, { recursive: true });
    await fsp.symlink(codexBin(), path.join(m.bin, "codex"));
    await m.model.start();
    await m.model.writeCodexHome(path.join(m.home, ".codex"));
    m.repo = await makeRepo(path.join(m.root, "project"));
    // A user's git knows who they are (a client passes no GIT_* variables to its servers).
    await fsp.writeFile(
      path.join(m.home, ".gitconfig"),
      `[user]\n\tname = ${GIT_IDENTITY.GIT_AUTHOR_NAME}\n\temail = ${GIT_IDENTITY.GIT_AUTHOR_EMAIL}\n`,
    );
    return m;
  }

  /** The user's shell environment: their HOME, their PATH with the "global" bin in it. */
  shellEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, ...GIT_IDENTITY };
    for (const key of [
      "CODEX_HOME",
      "CODEXMCP_HOME",
      "CODEX_BIN",
      "CODEXMCP_TMUX_SOCKET",
      "CLAUDE_CONFIG_DIR",
    ])
      delete env[key];
    return { ...env, HOME: this.home, PATH: `${this.bin}${path.delimiter}${userPath()}`, ...extra };
  }

  /** `codexmcp <args>` as the user runs it in their shell. */
  codexmcp(args: readonly string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return cli(args, this.shellEnv(extra), { cwd: this.repo });
  }

  configFile(client: ClientName): string {
    switch (client) {
      case "claude-code":
        return path.join(this.home, ".claude.json");
      case "codex":
        return path.join(this.home, ".codex", "config.toml");
      case "cursor":
        return path.join(this.home, ".cursor", "mcp.json");
      case "gemini":
        return path.join(this.home, ".gemini", "settings.json");
      case "claude-desktop":
        return path.join(this.home, ".config", "Claude", "claude_desktop_config.json");
    }
  }

  /** The "codex" entry as the client's own config file holds it (parsed here, not by codexmcp). */
  async entry(client: ClientName, name = "codex"): Promise<Entry> {
    const text = await fsp.readFile(this.configFile(client), "utf8");
    const doc = client === "codex" ? (parseToml(text) as Record<string, unknown>) : JSON.parse(text);
    const servers = (client === "codex" ? doc.mcp_servers : doc.mcpServers) as Record<string, unknown>;
    const raw = { ...(servers[name] as Record<string, unknown>) };
    return {
      command: String(raw.command),
      args: ((raw.args as unknown[]) ?? []).map(String),
      env: Object.fromEntries(
        Object.entries((raw.env as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)]),
      ),
      raw,
    };
  }

  /**
   * The environment a client gives the server it starts: a handful of variables and a desktop
   * app's bare PATH, then the entry's env; plus this test's private tmux socket and git identity.
   */
  clientEnv(entry: Entry): Record<string, string> {
    return {
      HOME: this.home,
      USER: process.env.USER ?? "user",
      SHELL: "/bin/sh",
      PATH: "/usr/bin:/bin",
      ...GIT_IDENTITY,
      CODEXMCP_TMUX_SOCKET: this.socket,
      ...entry.env,
    };
  }

  /** Starts the server exactly as the entry says (its command, args and env) and connects to it. */
  async startAsRegistered(entry: Entry): Promise<Client> {
    const client = new Client({ name: "registered-client-test", version: "1" });
    await client.connect(
      new StdioClientTransport({
        command: entry.command,
        args: entry.args,
        env: this.clientEnv(entry),
        stderr: "ignore",
      }),
    );
    return client;
  }

  async dispose(): Promise<void> {
    await this.model.stop();
    try {
      execFileSync("tmux", ["-L", this.socket, "kill-server"], { stdio: "ignore" });
    } catch {
      // no server
    }
    await fsp.rm(this.root, { recursive: true, force: true, maxRetries: 3 });
  }
}
