import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpSession, type ToolOutcome } from "../helpers/mcp.js";
import { Sandbox } from "../helpers/sandbox.js";
import { untilEnded } from "../helpers/wait.js";
import { recordScenario } from "./summary.js";

/** A small deterministic PRNG (mulberry32): the same requests on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DISPATCH_FIELDS = [
  "prompt",
  "cwd",
  "topic",
  "sandbox",
  "session_id",
  "model",
  "profile",
  "reasoning_effort",
  "timeout_seconds",
];

const TOOLS: Record<string, string[]> = {
  codex: [...DISPATCH_FIELDS, "max_wait_seconds"],
  codex_dispatch: DISPATCH_FIELDS,
  codex_status: ["task_id", "limit", "cwd"],
  codex_cancel: ["task_id"],
  codex_wait: ["task_ids", "timeout_seconds", "cursor"],
  codex_events: ["task_id", "cursor", "limit", "types", "truncate"],
  codex_reply: ["task_id", "prompt"],
  codex_diff: ["task_id", "path", "max_bytes"],
  codex_merge: ["task_id", "strategy", "message", "commit_uncommitted"],
  codex_cleanup: ["task_id", "all_finished", "force", "older_than"],
};

describe("chaos: hostile input", () => {
  let sb: Sandbox;
  let canary: string;

  beforeAll(async () => {
    sb = await Sandbox.create();
    canary = path.join(sb.root, "CANARY");
  });
  afterAll(async () => {
    await sb?.dispose();
  });

  it("1,000+ generated tools/call requests: never a crash, always a clear answer, no shell metacharacter ever executed", async () => {
    const env = sb.env({
      CODEXMCP_WAIT_MAX: "1",
      CODEXMCP_MAX_WAIT: "3",
      CODEXMCP_TASK_TIMEOUT: "20s",
      CODEXMCP_TASK_LINKS: "0",
      CODEXMCP_MAX_PARALLEL: "4",
    });
    const mcp = await McpSession.start(env);
    const rand = prng(20261121);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const meta = [
      `; touch ${canary}`,
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      `| touch ${canary}`,
      `&& touch ${canary}`,
      `\ntouch ${canary}\n`,
      `'; touch ${canary}; '`,
      `"; touch ${canary}; "`,
      `$(IFS=,;cmd=touch,${canary};$cmd)`,
      `>${canary}`,
    ];
    const strings = [
      "",
      " ",
      "-rf",
      "--help",
      "--dangerously-bypass-approvals-and-sandbox",
      "-c",
      "../../etc/passwd",
      "..",
      "/../../etc",
      "codex-../../x-v1",
      "codex-review-x-v1/../../y",
      "ünïcödé ✓ 🚀 中文 עברית \u202e",
      "\t\r\n",
      "%s%n%x",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell expansion is the payload
      "${HOME}",
      "null",
      "x".repeat(200_000),
      "implement-fuzz-v1",
      "review-fuzz_ok-v1",
      "codex-implement-fuzz-v1",
      "read-only",
      "full-access",
      "merge",
      "tail",
      "c0",
      "7d",
      ...meta,
      ...meta.map((m) => `implement-${m}-v1`),
      ...meta.map((m) => `${sb.repo}/${m}`),
      `${sb.repo}/../../..`,
      `${sb.repo}/does-not-exist`,
    ];
    const wrongTypes: unknown[] = [
      42,
      -1,
      1.5,
      0,
      1e308,
      true,
      false,
      null,
      [],
      ["a", 1],
      {},
      { nested: { deep: [1, { x: "y" }] } },
    ];
    const valid = (tool: string): Record<string, unknown> => {
      const base: Record<string, unknown> = {
        prompt: "say something",
        cwd: sb.repo,
        topic: `review-fuzz${Math.floor(rand() * 1e6)}-v1`,
        sandbox: pick(["read-only", "full-access", "workspace-write"]),
        task_id: "codex-review-fuzz_ok-v1",
        task_ids: ["codex-review-fuzz_ok-v1"],
        strategy: "merge",
        timeout_seconds: 5,
        limit: 5,
      };
      return Object.fromEntries(
        (TOOLS[tool] ?? []).filter((f) => base[f] !== undefined && rand() < 0.8).map((f) => [f, base[f]]),
      );
    };
    const requests: { name: string; args: unknown }[] = [];
    for (let i = 0; i < 1100; i++) {
      const roll = rand();
      if (roll < 0.03) {
        requests.push({ name: pick(["codex_nope", "", "../codex", "codex; ls"]), args: {} });
        continue;
      }
      const name = pick(Object.keys(TOOLS));
      const args = valid(name);
      if (roll < 0.06) {
        requests.push({
          name,
          args: pick<unknown>([null, [], "string", 42, { [pick(strings)]: pick(strings) }]),
        });
        continue;
      }
      const fields = [...(TOOLS[name] ?? []), "unexpected_field"];
      for (let m = 0; m < 1 + Math.floor(rand() * 3); m++) {
        const field = pick(fields);
        const how = rand();
        if (how < 0.15) delete args[field];
        else if (how < 0.35) args[field] = pick(wrongTypes);
        else if (how < 0.45) args[field] = [pick(strings), pick(strings)];
        else args[field] = pick(strings);
      }
      requests.push({ name, args });
    }
    // One known task so task-id paths go deep too.
    await mcp.ok("codex", { prompt: "hi", cwd: sb.repo, topic: "review-fuzz_ok-v1", sandbox: "read-only" });

    let answered = 0;
    const bad: string[] = [];
    const judge = (r: ToolOutcome | { thrown: string }, req: { name: string }) => {
      if ("thrown" in r) {
        // A protocol error is a valid MCP answer if it says what is wrong.
        // (The SDK itself answers a request whose arguments are not an object with a JSON list of
        // the schema problems, before any tool runs.)
        if (
          /MCP error -32\d{3}:[\s\S]{8,}/.test(r.thrown) &&
          /expected|invalid|not found|required/i.test(r.thrown) &&
          !/timed out/i.test(r.thrown)
        )
          answered++;
        else bad.push(`${req.name}: threw ${r.thrown.slice(0, 200)}`);
        return;
      }
      if (r.isError) {
        const clear =
          r.text.length >= 12 &&
          !/\[object Object\]|undefined is not|Cannot read propert|failed unexpectedly|\n\s+at /.test(r.text);
        if (clear) answered++;
        else bad.push(`${req.name}: unclear error: ${r.text.slice(0, 300)}`);
      } else if (r.data && typeof r.data === "object" && Object.keys(r.data).length > 0) answered++;
      else bad.push(`${req.name}: success without structured content`);
    };
    for (let i = 0; i < requests.length; i += 25) {
      const batch = requests.slice(i, i + 25);
      const results = await Promise.all(
        batch.map((req) =>
          mcp
            .call(req.name, req.args as Record<string, unknown>, { timeoutMs: 60_000 })
            .catch((err: unknown) => ({ thrown: String(err instanceof Error ? err.message : err) })),
        ),
      );
      for (const [j, r] of results.entries()) judge(r, batch[j] as { name: string });
      // Still alive and answering?
      expect((await mcp.client.listTools()).tools.length).toBe(10);
    }
    const canaryExists = await fsp
      .stat(canary)
      .then(() => true)
      .catch(() => false);
    const alive = mcp.pid !== null && process.kill(mcp.pid, 0);
    recordScenario({
      scenario: "fuzzed tools/call requests",
      trials: requests.length,
      passed: answered,
      lost: requests.length - answered + (canaryExists ? 1 : 0) + (alive ? 0 : 1),
    });
    await mcp.close();
    expect(bad).toEqual([]);
    expect(answered).toBe(requests.length);
    expect(requests.length).toBeGreaterThanOrEqual(1000);
    expect(canaryExists).toBe(false);
    expect(alive).toBe(true);
  });

  it("prompts with quotes, newlines, control bytes, unicode and 1 MB reach Codex byte-exact", async () => {
    const mcp = await McpSession.start(sb.env({ CODEXMCP_TASK_LINKS: "0" }));
    const controls = `${Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join("")}\u007f`;
    const big = Array.from(
      { length: (1024 * 1024) / 64 },
      (_, i) => `line ${i} ${"abcdefghijklmnopqrstuvwxyz0123456789".slice(i % 30)}`,
    )
      .join("\n")
      .slice(0, 1024 * 1024);
    const prompts = [
      `quotes ' " \` and backslashes \\ \\\\ \\n $HOME $(whoami) %s {{x}}`,
      "newlines\nand\r\nCRLF\tand tabs\n\n\ntrailing newlines\n\n",
      `control bytes: ${controls} end`,
      "unicode: ünïcödé ✓ 🚀 中文 עברית \u202e rtl \u0301 combining \uffff",
      big,
      `${big.slice(0, 4000)}\n${controls}\n🚀`,
    ];
    let exact = 0;
    const wrong: string[] = [];
    try {
      for (const [i, prompt] of prompts.entries()) {
        const topic = `review-bytes${i}-v1`;
        await mcp.ok("codex_dispatch", { prompt, cwd: sb.repo, topic, sandbox: "read-only" });
        const s = await untilEnded(mcp, `codex-${topic}`);
        const onDisk = await fsp.readFile(path.join(sb.taskDir(`codex-${topic}`), "prompt.md"));
        const received = sb.model.requests.find(
          (q) => q.userText.startsWith(prompt.slice(0, 40)) && q.userText.length === prompt.length,
        )?.userText;
        if (s.status === "completed" && onDisk.equals(Buffer.from(prompt, "utf8")) && received === prompt)
          exact++;
        else
          wrong.push(
            `prompt ${i}: status ${String(s.status)}, on disk ${onDisk.equals(Buffer.from(prompt, "utf8"))}, received ${received === prompt}`,
          );
      }
      recordScenario({
        scenario: "prompts reach Codex byte-exact",
        trials: prompts.length,
        passed: exact,
        lost: prompts.length - exact,
      });
      expect(wrong).toEqual([]);
    } finally {
      await mcp.close();
    }
  });
});
