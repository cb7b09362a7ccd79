import { postMortemAudit } from "../../audit/post-mortem.js";
import { loadSettings, type SettingsOverrides } from "../../config/settings.js";
import {
  type DispatchSpec,
  frame,
  REMOTE_VERBS,
  type RemoteVerb,
  unframe,
} from "../../hosts/ssh/protocol.js";
import { TaskManager } from "../../tasks/manager.js";
import { errorMessage, UserError } from "../../util/errors.js";
import { EXIT } from "../context.js";

/** Everything on stdin (a request is one JSON line, a dispatch adds a git bundle). */
async function readStdin(limit = 1024 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new UserError("the request on stdin is larger than 1 GiB");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function write(data: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    process.stdout.write(data, (err) => (err ? reject(err) : resolve())),
  );
}

/**
 * `codexmcp remote <verb>`: what a server on another machine runs here over ssh. Requests come
 * on stdin (never argv), answers go to stdout as one JSON line; a refusal is `{"error": …}`
 * with exit code 1, so the caller can pass the sentence on.
 */
export async function remote(overrides: SettingsOverrides, verb: string): Promise<number> {
  if (!(REMOTE_VERBS as readonly string[]).includes(verb)) {
    await write(
      frame({ error: `unknown remote verb "${verb}"; this codexmcp knows ${REMOTE_VERBS.join(", ")}` }),
    );
    return EXIT.usage;
  }
  try {
    const input = verb === "hello" ? Buffer.alloc(0) : await readStdin();
    const { header, body } =
      input.length > 0 ? unframe<Record<string, unknown>>(input) : { header: {}, body: input };
    const limit = verb === "dispatch" ? (header as { max_parallel?: unknown }).max_parallel : undefined;
    const settings = await loadSettings(process.env, {
      ...overrides,
      ...(Number.isInteger(limit) && (limit as number) > 0 ? { CODEXMCP_MAX_PARALLEL: String(limit) } : {}),
    });
    const serve = await import("../../tasks/remote-serve.js");
    // A dispatch's task sees this host's environment plus the variables that travelled with it.
    const env =
      verb === "dispatch"
        ? { ...process.env, ...((header as unknown as DispatchSpec).env ?? {}) }
        : process.env;
    const manager = new TaskManager(settings, env, { postMortemAudit }, { audience: "mcp" });
    switch (verb as RemoteVerb) {
      case "hello":
        await write(frame(await serve.hello(manager)));
        break;
      case "dispatch":
        await write(frame(await serve.remoteDispatch(manager, header as unknown as DispatchSpec, body)));
        break;
      case "pull":
        await write(frame(await serve.remotePull(manager, header as never)));
        break;
      case "cancel":
        await write(frame(await serve.remoteCancel(manager, header as never)));
        break;
      case "cleanup":
        await write(frame(await serve.remoteCleanup(manager, header as never)));
        break;
      case "doctor": {
        const { hostSideReport } = await import("../../doctor/checks/host-side.js");
        await write(frame(await hostSideReport(settings, process.env, header)));
        break;
      }
      case "collect": {
        const { reply, bundle } = await serve.remoteCollect(manager, header as never);
        await write(frame(reply, bundle));
        break;
      }
    }
    return EXIT.ok;
  } catch (err) {
    await write(frame({ error: errorMessage(err), user: err instanceof UserError }));
    return EXIT.failure;
  }
}
