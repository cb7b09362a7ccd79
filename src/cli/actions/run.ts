import { promises as fsp } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Settings } from "../../config/settings.js";
import { InputError, parseToolInput } from "../../tools/strict.js";
import { errorMessage, UserError } from "../../util/errors.js";
import { cliContext, EXIT } from "../context.js";
import { SETTING_FLAGS, settingOptions, settingOverrides } from "../settings-flags.js";
import { colorEnabled, paint } from "../style.js";
import { fieldFlags, fieldValues, flagHelp, flagOptions, kebab } from "./flags.js";
import { exitCode, render } from "./render.js";
import { type ActionSpec, actionSpec } from "./specs.js";

class ActionUsageError extends Error {}

const NO_SETTINGS = {
  topicTypes: ["implement"],
  waitDefaultSeconds: 0,
  waitMaxSeconds: 0,
} as unknown as Settings;

function helpText(spec: ActionSpec, flags: ReturnType<typeof fieldFlags>): string {
  const pos = spec.positional ? ` ${spec.positional.name}` : "";
  const prompt = spec.prompt ? " [--prompt-file F | < prompt.md]" : "";
  const lines = [
    `codexmcp ${spec.command}${pos}${prompt} [flags] [--json]`,
    "",
    `${spec.summary}.`,
    `Does what the MCP tool ${spec.tool} does, with its fields as flags (the same checks and refusals).`,
    "",
  ];
  if (spec.positional)
    lines.push(
      `  ${spec.positional.name.padEnd(32)}${spec.positional.field}${spec.positional.many ? " (any number)" : ""}`,
    );
  if (spec.prompt)
    lines.push(
      `  ${"--prompt-file F".padEnd(32)}read the prompt from F (- or no flag: stdin); never in argv`,
    );
  lines.push(
    ...flagHelp(
      flags.map((f) =>
        spec.help?.[f.field] ? { ...f, description: spec.help[f.field] ?? "", required: false } : f,
      ),
    ),
  );
  lines.push(`  ${"--json".padEnd(32)}print the tool's answer as JSON`);
  lines.push(
    "",
    `settings flags (--home, --tmux-socket, …: see codexmcp --help) apply as for every command.`,
    "exit codes: 0 done, 1 refused or failed (the sentence is on stderr), 2 wrong usage.",
  );
  if (spec.command === "wait")
    lines.push(
      "wait exits 0 only when the task it returns completed; 1 when it failed, was cancelled or timed out, or nothing ended in time.",
    );
  if (spec.command === "merge")
    lines.push("merge exits 1 when it did not merge (a conflict; nothing changed).");
  return `${lines.join("\n")}\n`;
}

/** The prompt, byte for byte, from a file or stdin; never from argv (it would show in `ps`). */
async function readPrompt(file: string | undefined): Promise<string> {
  let bytes: Buffer;
  if (file !== undefined && file !== "-") {
    bytes = await fsp.readFile(path.resolve(file)).catch((err: unknown) => {
      throw new UserError(`cannot read the prompt file ${file}: ${errorMessage(err)}`);
    });
  } else {
    if (process.stdin.isTTY)
      process.stderr.write("Type the prompt; end it with Ctrl-D on a line of its own.\n");
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    bytes = Buffer.concat(chunks);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new ActionUsageError("the prompt is not UTF-8 text");
  }
}

/** `codexmcp dispatch|reply|diff|merge|cleanup|events|wait …`. */
export async function runAction(command: string, argv: readonly string[]): Promise<number> {
  const spec = actionSpec(command);
  if (!spec) throw new Error(`no action ${command}`);
  // The tool's fields win over same-named settings flags (dispatch --model is the task's model).
  // (The fields' names and kinds do not depend on settings; their descriptions do.)
  const skip = [spec.positional?.field ?? "", spec.prompt ? "prompt" : ""];
  const names = fieldFlags(spec.shape(NO_SETTINGS), skip);
  const settingFlags = settingOptions();
  for (const f of names) delete settingFlags[kebab(f.field)];
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: {
        ...settingFlags,
        ...flagOptions(names),
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        ...(spec.prompt ? { "prompt-file": { type: "string" } } : {}),
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    return usage(command, errorMessage(err));
  }
  const overrides = settingOverrides(
    Object.fromEntries(
      SETTING_FLAGS.filter((f) => f.flag in settingFlags).map((f) => [f.flag, values[f.flag]]),
    ),
  );
  const ctx = await cliContext(overrides);
  const flags = fieldFlags(spec.shape(ctx.settings), skip);
  if (values.help) {
    ctx.out.write(helpText(spec, flags));
    return EXIT.ok;
  }
  const json = values.json === true;
  try {
    const args = fieldValues(flags, values);
    if (spec.positional) {
      if (spec.positional.many) {
        if (positionals.length > 0) args[spec.positional.field] = positionals;
      } else {
        if (positionals.length > 1) throw new ActionUsageError(`unexpected argument ${positionals[1]}`);
        if (positionals[0] !== undefined) args[spec.positional.field] = positionals[0];
        else if (!spec.positional.name.startsWith("["))
          throw new ActionUsageError(
            `expected ${spec.positional.name} (a task id, e.g. codex-implement-login_page-v1)`,
          );
      }
    } else if (positionals.length > 0) throw new ActionUsageError(`unexpected argument ${positionals[0]}`);
    if (spec.command === "dispatch") {
      // A person means the directory they are in; the tool's rules apply to the absolute path.
      const cwd = typeof args.cwd === "string" ? args.cwd : process.cwd();
      args.cwd = path.isAbsolute(cwd) ? cwd : path.resolve(cwd);
    }
    if (spec.prompt) args.prompt = await readPrompt(values["prompt-file"] as string | undefined);
    const input = parseToolInput(spec.tool, spec.shape(ctx.settings), args);
    const controller = new AbortController();
    const stop = () => controller.abort(new Error("interrupted"));
    process.once("SIGINT", stop);
    let answer: object;
    try {
      answer = await answerOf(spec, ctx.manager, input, controller.signal);
    } finally {
      process.removeListener("SIGINT", stop);
    }
    if (json) {
      ctx.out.write(`${JSON.stringify(answer, null, 2)}\n`);
      return exitCode(command, answer);
    }
    const shown = render(command, paint(colorEnabled(ctx.out)), answer);
    ctx.out.write(shown.out);
    if (shown.note) ctx.err.write(`${shown.note}\n`);
    return shown.code;
  } catch (err) {
    if (err instanceof ActionUsageError || err instanceof InputError)
      return usage(command, err.message, json);
    if (!(err instanceof UserError)) throw err;
    if (json) ctx.out.write(`${JSON.stringify({ error: err.message }, null, 2)}\n`);
    ctx.err.write(`codexmcp ${command}: ${err.message}\n`);
    if (/\bcodex_[a-z]+\b/.test(err.message))
      ctx.err.write(
        "(on the command line, a tool codex_<x> is `codexmcp <x>` and a parameter name: value is --name value)\n",
      );
    return EXIT.failure;
  }
}

/**
 * A person's wait lasts as long as asked (or until a task ends), however long the server lets
 * one codex_wait call block: call after call, missing nothing in between.
 */
async function answerOf(
  spec: ActionSpec,
  manager: Parameters<ActionSpec["run"]>[0],
  input: Record<string, unknown>,
  signal: AbortSignal,
): Promise<object> {
  const run = spec.run as (m: typeof manager, a: unknown, s: AbortSignal) => Promise<object>;
  if (spec.command !== "wait") return run(manager, input, signal);
  const limit = typeof input.timeout_seconds === "number" ? input.timeout_seconds : undefined;
  const deadline = limit === undefined ? Number.POSITIVE_INFINITY : Date.now() + limit * 1000;
  const call: Record<string, unknown> = { ...input };
  for (;;) {
    const left = Math.max(0, (deadline - Date.now()) / 1000);
    call.timeout_seconds = Math.min(left, manager.settings.waitMaxSeconds);
    const answer = (await run(manager, call, signal)) as { status: string; cursor: string };
    if (answer.status !== "timeout" || signal.aborted || Date.now() >= deadline) return answer;
    // Given tasks and no cursor, every call looks at their whole history: nothing slips between
    // two calls. Otherwise the next call starts where this one stopped.
    if (input.cursor !== undefined || input.task_ids === undefined) call.cursor = answer.cursor;
  }
}

function usage(command: string, message: string, json = false): number {
  if (json) process.stdout.write(`${JSON.stringify({ error: message }, null, 2)}\n`);
  process.stderr.write(`codexmcp ${command}: ${message}\n(codexmcp ${command} --help shows its flags)\n`);
  return EXIT.usage;
}
