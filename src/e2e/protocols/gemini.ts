import type http from "node:http";
import { shellCallFrom } from "./shell-tool.js";
import { openSse, sendJson } from "./sse.js";
import type {
  Answer,
  ConversationEntry,
  JsonSchema,
  OfferedTool,
  Protocol,
  RequestBody,
  RequestView,
} from "./types.js";
import { USAGE } from "./types.js";

/**
 * Gemini API (`…/models/<m>:streamGenerateContent?alt=sse`, `:generateContent`; `:countTokens` is
 * answered before a script is looked at). Gemini CLI also makes a model-router call with a JSON
 * schema every turn: `jsonSchema` in the view lets the caller answer it without using a step.
 */

interface Part {
  text?: unknown;
  functionResponse?: unknown;
}

interface Content {
  role?: string;
  parts?: Part[];
}

interface FunctionDeclaration {
  name?: string;
  parameters?: JsonSchema;
  parametersJsonSchema?: JsonSchema;
}

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

function entriesOf(contents: readonly Content[]): ConversationEntry[] {
  const entries: ConversationEntry[] = [];
  for (const content of contents) {
    if (content.role === "model") entries.push({ kind: "assistant" });
    if (content.role !== "user") continue;
    const parts = content.parts ?? [];
    const results = parts.filter((p) => p.functionResponse).length;
    // Function responses travel in user contents; such a content is the CLI's, not a prompt.
    if (results > 0) for (let i = 0; i < results; i++) entries.push({ kind: "tool_result" });
    else
      entries.push({
        kind: "user",
        text: parts.map((p) => (typeof p.text === "string" ? p.text : "")).join(""),
      });
  }
  return entries;
}

export const gemini: Protocol = {
  name: "gemini",

  matches: (url) => /:(streamGenerateContent|generateContent)(\?|$)/.test(url),

  read(body: RequestBody, url: string): RequestView {
    const contents = Array.isArray(body.contents) ? (body.contents as Content[]) : [];
    const declarations = (Array.isArray(body.tools) ? body.tools : []).flatMap(
      (t) =>
        ((t as { functionDeclarations?: FunctionDeclaration[] }).functionDeclarations ??
          []) as FunctionDeclaration[],
    );
    const tools: OfferedTool[] = declarations.map((d) => ({
      name: String(d.name ?? ""),
      schema: d.parametersJsonSchema ?? d.parameters,
    }));
    const config = (body.generationConfig ?? {}) as {
      responseJsonSchema?: JsonSchema;
      responseSchema?: JsonSchema;
    };
    const jsonSchema = config.responseJsonSchema ?? config.responseSchema;
    return {
      entries: entriesOf(contents),
      tools,
      ...(jsonSchema ? { jsonSchema } : {}),
      stream: url.includes(":streamGenerateContent"),
    };
  },

  shellCall: (view, command) => shellCallFrom(view.tools, command),

  respond(res: http.ServerResponse, answer: Answer, _body: RequestBody, url: string, n: number): void {
    const part =
      answer.kind === "text"
        ? { text: answer.text }
        : { functionCall: { name: answer.name, args: answer.args } };
    const chunk = {
      candidates: [{ content: { role: "model", parts: [part] }, finishReason: "STOP", index: 0 }],
      usageMetadata: {
        promptTokenCount: USAGE.input,
        candidatesTokenCount: USAGE.output,
        cachedContentTokenCount: USAGE.cached,
        thoughtsTokenCount: 0,
        totalTokenCount: USAGE.input + USAGE.output,
      },
      modelVersion: "scripted",
      responseId: `resp_${n}`,
    };
    if (!url.includes(":streamGenerateContent")) {
      sendJson(res, 200, chunk);
      return;
    }
    openSse(res)(chunk);
    res.end();
  },

  fail(res, status, message) {
    sendJson(res, status, { error: { code: status, message, status: STATUS_NAMES[status] ?? "UNKNOWN" } });
  },
};
