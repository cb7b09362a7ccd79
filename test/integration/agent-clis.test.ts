import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClaudeStreamReader } from "../../src/agents/claude/stream.js";
import { CopilotStreamReader } from "../../src/agents/copilot/stream.js";
import { readCopilotUsage } from "../../src/agents/copilot/usage.js";
import { CursorStreamReader } from "../../src/agents/cursor/stream.js";
import type { AgentEvent, AgentStreamReader, AgentUsage } from "../../src/agents/events.js";
import { GeminiStreamReader } from "../../src/agents/gemini/stream.js";
import { OpencodeStreamReader } from "../../src/agents/opencode/stream.js";
import { QwenStreamReader } from "../../src/agents/qwen/stream.js";
import { ScriptedModel } from "../../src/e2e/scripted-model.js";
import {
  type AgentName,
  type CliRun,
  installAgents,
  makeAgentHomes,
  removeAgentHomes,
  runCli,
} from "../helpers/agents.js";
import { GIT_IDENTITY, gitIn, makeRepo, ROOT } from "../helpers/sandbox.js";
import {
  completedCommands,
  finalText,
  outcome,
  readText,
  sessionIds,
  totalUsage,
} from "../helpers/streams.js";

/**
 * Each real agent CLI (installed by scripts/agents.mjs at its pinned version) runs a scripted turn
 * against the scripted model in a fresh repository: the model has it run a shell command that
 * commits, then answers; the session is then resumed by id for a second commit. The CLIs run in
 * parallel; each has a private HOME outside the OS temp dir. Cursor has no offline mode: its
 * stand-in (test/fixtures/bin/cursor-agent) runs instead, to prove the reader against its output.
 */
type Name = AgentName | "cursor";

interface Contract {
  /** argv of a one-shot run in `repo`; with `resume`, of the run that continues that session. */
  readonly argv: (repo: string, home: string, resume?: string) => string[];
  /** Whether the CLI works in its process's cwd (the others take the repository as a flag). */
  readonly cwdIsRepo: boolean;
  readonly reader: () => AgentStreamReader;
}

const CONTRACTS: Record<Name, Contract> = {
  claude: {
    argv: (_r, _h, id) => [
      ...["-p", "--output-format", "stream-json", "--verbose", "--permission-mode", "bypassPermissions"],
      ...(id ? ["--resume", id] : []),
    ],
    cwdIsRepo: true,
    reader: () => new ClaudeStreamReader(),
  },
  gemini: {
    argv: (_r, _h, id) => ["-o", "stream-json", "--approval-mode", "yolo", ...(id ? ["--resume", id] : [])],
    cwdIsRepo: true,
    reader: () => new GeminiStreamReader(),
  },
  opencode: {
    argv: (repo, _h, id) => ["run", "--format", "json", "--dir", repo, ...(id ? ["--session", id] : [])],
    cwdIsRepo: false,
    reader: () => new OpencodeStreamReader(),
  },
  copilot: {
    argv: (repo, home, id) => [
      ...["--output-format", "json", "-C", repo, "--allow-all-tools", "--no-ask-user", "--no-auto-update"],
      ...[
        "--disable-client-telemetry",
        "--usage-output-file",
        path.join(home, id ? "usage-2.json" : "usage-1.json"),
      ],
      ...(id ? ["--resume", id] : []),
    ],
    cwdIsRepo: false,
    reader: () => new CopilotStreamReader(),
  },
  qwen: {
    argv: (_r, _h, id) => [
      ...["--auth-type", "openai", "-o", "stream-json", "--approval-mode", "yolo"],
      ...(id ? ["--resume", id] : []),
    ],
    cwdIsRepo: true,
    reader: () => new QwenStreamReader(),
  },
  codex: {
    argv: (repo, _h, id) => [
      ...["exec", "--json", "--skip-git-repo-check", "-C", repo, "-s", "danger-full-access"],
      ...(id ? ["resume", id] : []),
      "-",
    ],
    cwdIsRepo: false,
    reader: () => new CodexTestReader(),
  },
  cursor: {
    argv: (repo, _h, id) => [
      ...["-p", "--output-format", "stream-json", "--force", "--trust", "--workspace", repo],
      ...(id ? ["--resume", id] : []),
    ],
    cwdIsRepo: false,
    reader: () => new CursorStreamReader(),
  },
};

/**
 * Codex's own reader belongs to the Codex driver; this test needs only its thread id and answer.
 */
class CodexTestReader implements AgentStreamReader {
  private answer: string | undefined;
  push(line: string): AgentEvent[] {
    if (!line.startsWith("{")) return [];
    const event = JSON.parse(line) as {
      type?: string;
      thread_id?: string;
      usage?: AgentUsage;
      item?: CodexItem;
    };
    const item = event.item;
    if (event.type === "thread.started" && event.thread_id)
      return [{ kind: "session", session_id: event.thread_id }];
    if (event.type === "item.completed" && item?.type === "agent_message") this.answer = item.text;
    if (event.type === "item.completed" && item?.type === "command_execution") {
      return [
        {
          kind: "command",
          phase: "completed",
          command: item.command ?? "",
          exit_code: item.exit_code ?? null,
        },
      ];
    }
    if (event.type !== "turn.completed") return [];
    const answer: AgentEvent[] = this.answer ? [{ kind: "message", text: this.answer, final: true }] : [];
    return [{ kind: "usage", usage: event.usage ?? {} }, ...answer, { kind: "turn_completed", ok: true }];
  }
  end(): AgentEvent[] {
    return [];
  }
}

interface CodexItem {
  type?: string;
  text?: string;
  command?: string;
  exit_code?: number | null;
}

const NAMES = Object.keys(CONTRACTS) as Name[];
const COMMIT = "echo hi > a.txt && git add a.txt && git commit -qm agent";
const AGAIN = "echo again >> a.txt && git commit -qam again";

interface Outcome {
  readonly repo: string;
  readonly home: string;
  readonly first: CliRun;
  readonly firstEvents: AgentEvent[];
  readonly second?: CliRun;
  readonly secondEvents?: AgentEvent[];
}

const model = new ScriptedModel();
const outcomes = new Map<Name, Outcome | Error>();
let root = "";

function prompt(name: Name, turn: "commit" | "again"): string {
  if (name !== "cursor")
    return `[[script:${turn}-${name}]] Please ${turn === "commit" ? "commit a file" : "commit again"}.\n`;
  // The Cursor stand-in takes its commands from the prompt (there is no model to script).
  const say = turn === "commit" ? "Committed cursor." : "Second commit for cursor.";
  return `Please commit.\nRUN: ${turn === "commit" ? COMMIT : AGAIN}\nSAY: ${say}\n`;
}

async function scenario(name: Name, bin: string, pkgCacheHome: string | undefined): Promise<Outcome> {
  const dir = path.join(root, name);
  const repo = await makeRepo(path.join(dir, "repo"));
  const home = path.join(dir, "home");
  const agentEnv =
    name === "cursor"
      ? { HOME: home }
      : await model.agentEnv(name, home, pkgCacheHome ? { copilotPkgCacheHome: pkgCacheHome } : {});
  const env = { ...process.env, ...GIT_IDENTITY, ...agentEnv };
  const contract = CONTRACTS[name];
  const cwd = contract.cwdIsRepo ? repo : dir;
  const run = (input: string, resume?: string) =>
    runCli(bin, contract.argv(repo, home, resume), { cwd, env, input, timeoutMs: 150_000 });
  const first = await run(prompt(name, "commit"));
  const firstEvents = readText(contract.reader(), first.stdout);
  const id = sessionIds(firstEvents)[0];
  if (first.code !== 0 || !id) return { repo, home, first, firstEvents };
  const second = await run(prompt(name, "again"), id);
  return { repo, home, first, firstEvents, second, secondEvents: readText(contract.reader(), second.stdout) };
}

beforeAll(async () => {
  for (const name of NAMES) {
    if (name === "cursor") continue;
    model.script(`commit-${name}`, [{ sh: COMMIT }, { say: `Committed ${name}.` }]);
    model.script(`again-${name}`, [{ sh: AGAIN }, { say: `Second commit for ${name}.` }]);
  }
  await model.start();
  root = await makeAgentHomes("agent-clis");
  const installed = await installAgents(["claude", "gemini", "opencode", "copilot", "qwen", "codex@0.171.0"]);
  const bins = new Map<Name, { bin: string; pkgCacheHome?: string }>(installed.map((a) => [a.name, a]));
  bins.set("cursor", { bin: path.join(ROOT, "test/fixtures/bin/cursor-agent") });
  await Promise.all(
    NAMES.map(async (name) => {
      const agent = bins.get(name);
      if (!agent) throw new Error(`no binary for ${name}`);
      outcomes.set(name, await scenario(name, agent.bin, agent.pkgCacheHome).catch((e: Error) => e));
    }),
  );
}, 900_000);

afterAll(async () => {
  // How long each CLI took (first run + resume): what to look at when this file gets slow.
  const times = NAMES.map((name) => {
    const o = outcomes.get(name);
    return o && !(o instanceof Error) ? `${name} ${o.first.ms}+${o.second?.ms ?? "-"} ms` : `${name} -`;
  });
  console.log(`agent CLI run times: ${times.join(", ")}`);
  await model.stop();
  if (root) await removeAgentHomes(root);
});

function outcomeOf(name: Name): Outcome {
  const result = outcomes.get(name);
  if (!result || result instanceof Error) throw result ?? new Error(`${name} did not run`);
  return result;
}

describe("real agent CLIs against the scripted model", () => {
  it.each(NAMES)("%s: a one-shot run commits and answers; resuming by id continues the session", (name) => {
    const { repo, home, first, firstEvents, second, secondEvents = [] } = outcomeOf(name);
    expect(first.code, `first run:\n${first.stderr}`).toBe(0);
    const [id, ...others] = sessionIds(firstEvents);
    expect(others.every((o) => o === id)).toBe(true);
    expect(id).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    expect(finalText(firstEvents)).toBe(`Committed ${name}.`);
    expect(outcome(firstEvents).ok).toBe(true);
    const command = completedCommands(firstEvents).find((c) => c.command.includes(COMMIT));
    expect(command, JSON.stringify(firstEvents)).toBeDefined();
    // Gemini's stream carries no exit code.
    if (name !== "gemini") expect(command?.exit_code).toBe(0);

    expect(second?.code, `resume:\n${second?.stderr}`).toBe(0);
    expect(sessionIds(secondEvents).every((s) => s === id)).toBe(true);
    expect(sessionIds(secondEvents).length).toBeGreaterThan(0);
    expect(finalText(secondEvents)).toBe(`Second commit for ${name}.`);
    expect(gitIn(repo, "log", "--format=%s")).toBe("again\nagent\ninitial");

    if (name === "cursor") return;
    // The resumed conversation carries the first turn: the model saw the first prompt again.
    const resumed = model.requests.filter((r) => r.script === `again-${name}` && !r.side);
    expect(resumed.length).toBeGreaterThan(0);
    expect(JSON.stringify(resumed[0]?.body)).toContain(`[[script:commit-${name}]]`);
    // Every CLI reports token usage: in its stream, or (Copilot) in its usage file.
    const usage =
      name === "copilot"
        ? readCopilotUsage(readFileSync(path.join(home, "usage-1.json"), "utf8")).usage
        : totalUsage(firstEvents).usage;
    expect(usage.input_tokens).toBeGreaterThan(0);
    expect(usage.output_tokens).toBeGreaterThan(0);
  });
});
