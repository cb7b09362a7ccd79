import type { Answer, JsonSchema, OfferedTool } from "./types.js";

/**
 * Names agent CLIs give their shell tool, as seen in their requests: Claude Code `Bash`, Qwen Code
 * and Gemini CLI `run_shell_command`, opencode and Copilot `bash`, Codex `exec_command`/`shell`.
 */
const SHELL_TOOL_NAMES = ["Bash", "run_shell_command", "bash", "exec_command", "shell"] as const;

export function findShellTool(tools: readonly OfferedTool[]): OfferedTool | undefined {
  for (const name of SHELL_TOOL_NAMES) {
    const tool = tools.find((t) => t.name === name);
    if (tool) return tool;
  }
  return undefined;
}

function typeOf(schema: JsonSchema | undefined): string {
  const t = schema?.type;
  return String((Array.isArray(t) ? t[0] : t) ?? "string").toLowerCase();
}

/**
 * Arguments for a shell tool, read off its JSON schema: the command goes into `command` (or `cmd`);
 * every other required field gets a harmless value (a description, `false` for run-in-background
 * flags, a generous timeout), so the CLI accepts the call whatever else its schema asks for.
 */
export function shellArgs(schema: JsonSchema | undefined, command: string): Record<string, unknown> {
  const props = schema?.properties ?? {};
  const key = ["command", "cmd"].find((k) => k in props) ?? "command";
  const args: Record<string, unknown> = {
    [key]: typeOf(props[key]) === "array" ? ["sh", "-c", command] : command,
  };
  // Copilot returns a command that outlives `initial_wait` (default 30 s) as still running and
  // lets the model move on: wait as long as it allows, as Codex's yield_time_ms does.
  if ("initial_wait" in props) args.initial_wait = 600;
  for (const field of schema?.required ?? []) {
    if (field in args) continue;
    const prop = props[field];
    const type = typeOf(prop);
    if (prop?.enum && prop.enum.length > 0) args[field] = prop.enum[0];
    else if (type === "boolean") args[field] = false;
    else if (type === "number" || type === "integer") args[field] = 60_000;
    else args[field] = "scripted step";
  }
  return args;
}

/** The call of the offered shell tool; undefined when the request offers none (read-only modes remove it). */
export function shellCallFrom(tools: readonly OfferedTool[], command: string): Answer | undefined {
  const tool = findShellTool(tools);
  if (!tool) return undefined;
  return { kind: "tool_call", name: tool.name, args: shellArgs(tool.schema, command) };
}
