import { promises as fsp } from "node:fs";
import path from "node:path";
import { userConfigPath } from "../config/settings.js";
import { journalSize, readJournal } from "../core/journal.js";
import type { TaskManager } from "../tasks/manager.js";
import { errorMessage } from "../util/errors.js";
import { appendLine, ensurePrivateDir, writeFileAtomic } from "../util/files.js";
import { withLock } from "../util/lock.js";
import { log } from "../util/log.js";
import { desktopAvailable, notifyDesktop } from "./desktop.js";
import { type TaskEndedPayload, taskEndedPayload } from "./payload.js";
import { type Delivery, deliverWebhook } from "./webhook.js";

type Channel = "webhook" | "desktop";

/**
 * Tells people that tasks ended, from the completion journal (what codex_wait reads), in any
 * long-lived codexmcp process (every server). Each channel keeps one cursor per machine
 * ($CODEXMCP_HOME/notify/<channel>.cursor) and takes a lock to move it, so two servers never
 * send the same ending twice; a process that dies mid-delivery leaves the cursor before that
 * ending and the next one sends it (at least once). A channel starts at the journal's end the
 * first time: no flood of old endings. Nothing here can affect a task: it only reads.
 */
export function startNotifier(
  manager: TaskManager,
  env: NodeJS.ProcessEnv = process.env,
  opts: { pollMs?: number } = {},
): { stop(): Promise<void> } {
  const { notify, home } = manager.settings;
  const dir = path.join(home, "notify");
  const controller = new AbortController();
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let desktopBin: string | undefined;
  const channels: Channel[] = [];

  const send = async (channel: Channel, payload: TaskEndedPayload): Promise<Delivery> => {
    if (channel === "desktop") {
      try {
        await notifyDesktop(desktopBin ?? "notify-send", payload);
        return { ok: true, attempts: 1 };
      } catch (err) {
        return { ok: false, attempts: 1, error: errorMessage(err).split("\n")[0]?.slice(0, 200) ?? "" };
      }
    }
    const hook = notify.webhook;
    if (!hook || (hook.on && !hook.on.includes(payload.status))) return { ok: true, attempts: 0 };
    return deliverWebhook(hook, payload, { signal: controller.signal });
  };

  const drain = (channel: Channel) =>
    withLock(
      path.join(manager.store.layout.locksDir, `notify-${channel}`),
      async () => {
        const journal = manager.store.layout.completionsFile;
        const cursorFile = path.join(dir, `${channel}.cursor`);
        const saved = Number.parseInt(await fsp.readFile(cursorFile, "utf8").catch(() => ""), 10);
        let cursor = Number.isFinite(saved) ? saved : await journalSize(journal);
        if (!Number.isFinite(saved)) await writeFileAtomic(cursorFile, String(cursor));
        const { entries, end } = await readJournal(journal, cursor);
        for (const entry of entries) {
          if (controller.signal.aborted) return;
          const obs = await manager.observe(entry.task_id).catch(() => undefined);
          // A later run of the same task id: this ending is that earlier run's.
          const same = obs && obs.meta.created_at === entry.created_at ? obs : undefined;
          const payload = taskEndedPayload(entry, same);
          const outcome = await send(channel, payload);
          if (controller.signal.aborted && !outcome.ok) return;
          if (outcome.attempts > 0) {
            await appendLine(
              path.join(dir, "deliveries.jsonl"),
              JSON.stringify({
                at: new Date().toISOString(),
                channel,
                task_id: entry.task_id,
                status: payload.status,
                ...outcome,
              }),
            );
            if (!outcome.ok)
              log.warn(
                `${channel} notification for ${entry.task_id} failed after ${outcome.attempts} attempt(s): ${outcome.error}`,
              );
          }
          cursor = entry.next;
          await writeFileAtomic(cursorFile, String(cursor));
        }
        if (end > cursor) await writeFileAtomic(cursorFile, String(end));
      },
      { waitMs: 0 },
    ).catch((err: unknown) => {
      // Another process holds the channel (it delivers), or the disk is full: try again later.
      log.debug(`notify ${channel}: ${errorMessage(err)}`);
    });

  const tick = () => {
    running ??= (async () => {
      for (const channel of channels) await drain(channel);
    })().finally(() => {
      running = undefined;
      if (!controller.signal.aborted) timer = setTimeout(tick, opts.pollMs ?? 1000).unref();
    });
  };

  void (async () => {
    if (notify.webhook) {
      channels.push("webhook");
      const mode = await fsp
        .stat(userConfigPath(home))
        .then((st) => st.mode & 0o077)
        .catch(() => 0);
      if (mode !== 0)
        log.warn(`${userConfigPath(home)} holds the webhook's URL but others can read it; chmod 600 it.`);
    }
    if (notify.desktop) {
      desktopBin = desktopAvailable(env);
      if (desktopBin) channels.push("desktop");
    }
    if (channels.length === 0) return;
    await ensurePrivateDir(dir);
    tick();
  })().catch((err: unknown) => log.warn(`notifications are off: ${errorMessage(err)}`));

  return {
    async stop() {
      controller.abort();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
