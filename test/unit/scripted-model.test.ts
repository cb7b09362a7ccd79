import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scriptPosition } from "../../src/e2e/protocols/conversation.js";
import { ScriptedModel } from "../../src/e2e/scripted-model.js";

const model = new ScriptedModel();

beforeAll(async () => {
  model.script("run", [{ sh: "git commit -qam x" }, { say: "Committed." }]);
  model.script("patchy", [{ patch: "*** Begin Patch\n*** End Patch" }]);
  model.script("limited", [{ fail: 429, message: "slow down" }]);
  model.script("orchestrate", [
    { call: "codex_status", namespace: "mcp__codex", args: { task_id: "x" } },
    { say: "Called." },
  ]);
  await model.start();
});

afterAll(() => model.stop());

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${model.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** The `data:` payloads of a server-sent-events answer, parsed (the closing "[DONE]" left out). */
function sseData(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((l) => l.startsWith("data: ") && l !== "data: [DONE]")
    .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
}

describe("scriptPosition", () => {
  it("finds the tag among the user messages sent together, counting the tool results after it", () => {
    const entries = [
      { kind: "user", text: "<environment_context>" },
      { kind: "user", text: "do it [[script:run]]" },
      { kind: "assistant" },
      { kind: "tool_result" },
    ] as const;
    expect(scriptPosition(entries)).toEqual({ script: "run", step: 1, userText: "do it [[script:run]]" });
  });

  it("gives an untagged prompt after an answer the default script, counted from that prompt", () => {
    const entries = [
      { kind: "user", text: "[[script:run]]" },
      { kind: "assistant" },
      { kind: "tool_result" },
      { kind: "assistant" },
      { kind: "user", text: "Again, please." },
    ] as const;
    expect(scriptPosition(entries)).toEqual({ script: undefined, step: 0, userText: "Again, please." });
  });
});

describe("ScriptedModel protocols", () => {
  it("Anthropic Messages: calls the offered Bash tool, then says the next step, with usage, streaming", async () => {
    const tools = [
      { name: "Read", input_schema: {} },
      { name: "Bash", input_schema: { properties: { command: {} } } },
    ];
    const ask = {
      model: "m",
      stream: true,
      tools,
      messages: [{ role: "user", content: "go [[script:run]]" }],
    };
    const first = sseData((await post("/v1/messages?beta=true", ask, { "x-api-key": "k-1" })).text);
    expect(first[0]).toMatchObject({ type: "message_start", message: { usage: { input_tokens: 100 } } });
    expect(first[1]).toMatchObject({ content_block: { type: "tool_use", name: "Bash" } });
    const delta = (first[2]?.delta ?? {}) as { partial_json?: string };
    expect(JSON.parse(delta.partial_json ?? "")).toEqual({
      command: "git commit -qam x",
    });
    const result = {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "t", content: "[[script:other]]" }],
    };
    const next = { ...ask, messages: [...ask.messages, { role: "assistant", content: [] }, result] };
    const second = sseData((await post("/v1/messages", next)).text);
    expect(second[2]).toMatchObject({ delta: { type: "text_delta", text: "Committed." } });
    expect(model.requests.at(-2)).toMatchObject({
      protocol: "anthropic",
      apiKey: "k-1",
      script: "run",
      step: 0,
    });
    expect(model.requests.at(-1)).toMatchObject({ script: "run", step: 1, side: false });
  });

  it("Gemini: answers the router's JSON schema without using a step, then calls run_shell_command", async () => {
    const schema = {
      type: "object",
      properties: { model_choice: { type: "string", enum: ["flash", "pro"] } },
    };
    const contents = [{ role: "user", parts: [{ text: "[[script:run]]" }] }];
    const router = await post("/v1beta/models/g:generateContent", {
      contents,
      generationConfig: { responseJsonSchema: schema },
    });
    const routed = JSON.parse(router.text) as { candidates: { content: { parts: { text: string }[] } }[] };
    expect(JSON.parse(routed.candidates[0]?.content.parts[0]?.text ?? "")).toEqual({ model_choice: "flash" });
    expect(model.requests.at(-1)).toMatchObject({ protocol: "gemini", side: true });

    const tools = [
      { functionDeclarations: [{ name: "run_shell_command", parametersJsonSchema: { type: "object" } }] },
    ];
    const stream = await post("/v1beta/models/g:streamGenerateContent?alt=sse", { contents, tools });
    const [chunk] = sseData(stream.text);
    expect(chunk).toMatchObject({
      candidates: [
        {
          content: {
            parts: [{ functionCall: { name: "run_shell_command", args: { command: "git commit -qam x" } } }],
          },
        },
      ],
      usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 20 },
    });
    expect(JSON.parse((await post("/v1beta/models/g:countTokens", {})).text)).toMatchObject({
      totalTokens: 100,
    });
  });

  it("Chat Completions: fills the shell tool's required fields; streams usage last; fails in the protocol's shape", async () => {
    const bash = {
      type: "object",
      properties: { command: {}, description: { type: "string" } },
      required: ["command", "description"],
    };
    const body = {
      model: "m",
      stream: true,
      tools: [{ type: "function", function: { name: "bash", parameters: bash } }],
      messages: [{ role: "user", content: [{ type: "text", text: "[[script:run]]" }] }],
    };
    const chunks = sseData((await post("/v1/chat/completions", body, { authorization: "Bearer k-2" })).text);
    type Choice = { delta: { tool_calls: { function: { name: string; arguments: string } }[] } };
    const choices = (chunks[0]?.choices ?? []) as Choice[];
    const call = choices[0]?.delta.tool_calls[0]?.function;
    expect(call?.name).toBe("bash");
    expect(JSON.parse(call?.arguments ?? "")).toEqual({
      command: "git commit -qam x",
      description: "scripted step",
    });
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 100, completion_tokens: 20 },
    });
    expect(model.requests.at(-1)).toMatchObject({ protocol: "chat", apiKey: "k-2" });

    const limited = await post("/v1/chat/completions", {
      ...body,
      messages: [{ role: "user", content: "[[script:limited]]" }],
    });
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.text)).toEqual({
      error: { message: "slow down", type: "rate_limit_exceeded", code: 429 },
    });
  });

  it("a read-only request without a shell tool gets a text naming the command, which ends the turn", async () => {
    const body = {
      model: "m",
      tools: [{ function: { name: "read" } }],
      messages: [{ role: "user", content: "[[script:run]]" }],
    };
    const answer = JSON.parse((await post("/v1/chat/completions", body)).text) as {
      choices: { message: { content: string } }[];
    };
    expect(answer.choices[0]?.message.content).toBe(
      "No shell tool was offered; the script wanted to run: git commit -qam x",
    );
  });

  it("a patch step drives Codex's apply_patch, and is refused with a 400 on protocols without it", async () => {
    const input = [
      { type: "message", role: "user", content: [{ type: "input_text", text: "[[script:patchy]]" }] },
    ];
    const events = sseData((await post("/v1/responses", { model: "m", input })).text);
    const item = events[1]?.item as { name: string; arguments: string };
    expect(item.name).toBe("exec_command");
    expect(JSON.parse(item.arguments).cmd).toBe(
      "apply_patch <<'PATCH'\n*** Begin Patch\n*** End Patch\nPATCH",
    );

    const refused = await post("/v1/messages", {
      tools: [{ name: "Bash" }],
      messages: [{ role: "user", content: "[[script:patchy]]" }],
    });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text)).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error" },
    });
  });

  it("a call of a tool not offered yet waits in the shell and asks again; once offered, it is called", async () => {
    const user = {
      type: "message",
      role: "user",
      content: [{ type: "input_text", text: "[[script:orchestrate]]" }],
    };
    const call = (n: number) => ({
      type: "function_call",
      call_id: `c${n}`,
      name: "exec_command",
      arguments: "{}",
    });
    const output = (n: number) => ({ type: "function_call_output", call_id: `c${n}`, output: "" });
    const item = async (input: unknown[], tools: unknown[]) =>
      sseData((await post("/v1/responses", { model: "m", input, tools })).text)[1]?.item as {
        name?: string;
        namespace?: string;
        arguments?: string;
        content?: { text: string }[];
      };
    const first = await item([user], [{ type: "function", name: "exec_command" }]);
    expect(first.name).toBe("exec_command");
    expect(JSON.parse(String(first.arguments)).cmd).toBe("sleep 1");
    const offered = [{ type: "namespace", name: "mcp__codex", tools: [{ name: "codex_status" }] }];
    const second = await item([user, call(1), output(1)], offered);
    expect(second).toMatchObject({ name: "codex_status", namespace: "mcp__codex" });
    const third = await item([user, call(1), output(1), call(2), output(2)], offered);
    expect(third.content?.[0]?.text).toBe("Called.");
    // The same prompt again is a new conversation: the tool is called at once.
    expect(await item([user], offered)).toMatchObject({ name: "codex_status" });
  });
});
