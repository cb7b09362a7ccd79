import { execa } from "execa";
import { which } from "../util/which.js";
import type { NotifyPayload } from "./payload.js";

/** Whether a desktop notification can be shown here: notify-send and a session to show it in. */
export function desktopAvailable(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY && !env.DBUS_SESSION_BUS_ADDRESS) return undefined;
  return which("notify-send", env);
}

/** One desktop notification (argv, no shell); failures are the caller's to log. */
export async function notifyDesktop(
  bin: string,
  payload: NotifyPayload,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const stalled = payload.event === "task.stalled";
  const urgency = stalled || payload.status === "completed" ? "normal" : "critical";
  const r = await execa(
    bin,
    [
      "--app-name=codexmcp",
      `--urgency=${urgency}`,
      "--",
      `codexmcp: ${payload.task_id} ${stalled ? "stalled" : payload.status}`,
      payload.text,
    ],
    { stdin: "ignore", timeout: 10_000, env, extendEnv: false, reject: false },
  );
  if (r.exitCode !== 0 || r.failed) {
    const why =
      String(r.stderr).trim().split("\n")[0] || (r.timedOut ? "timed out" : `exit ${r.exitCode ?? r.signal}`);
    throw new Error(`notify-send failed: ${why.slice(0, 200)}`);
  }
}
