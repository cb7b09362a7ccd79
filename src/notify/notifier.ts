import { promises as fsp } from "node:fs";
import path from "node:path";
import { userConfigPath } from "../config/settings.js";
import { journalSize, readJournal } from "../core/journal.js";
import { isTerminal } from "../core/types.js";
import type { TaskManager } from "../tasks/manager.js";
import { findStalls, type Stall } from "../tasks/stalls.js";
import { errorMessage } from "../util/errors.js";
import { ensurePrivateDir, writeFileAtomic } from "../util/files.js";
import { withLock } from "../util/lock.js";
import { log } from "../util/log.js";
import { recordDelivery } from "./deliveries.js";
import { desktopAvailable, notifyDesktop } from "./desktop.js";
import { type NotifyPayload, taskEndedPayload, taskStalledPayload } from "./payload.js";
import { readStallState, type StallState, stallsToSend } from "./stall-state.js";
import { type Delivery, deliverWebhook } from "./webhook.js";

type Channel = "webhook" | "desktop";

/**
 * Tells people that tasks ended or stalled, in any long-lived codexmcp process (every server).
 *
 * Endings come from the completion journal (what codex_wait reads). Each channel keeps one
 * cursor per machine ($CODEXMCP_HOME/notify/<channel>.cursor) and takes a lock to move it, so
 * two servers never send the same ending twice; a process that dies mid-delivery leaves the
 * cursor before that ending and the next one sends it (at least once). A channel starts at the
 * journal's end the first time: no flood of old endings.
 *
 * Stalls (a running task whose agent printed nothing for notify.stall_after) are found by
 * looking at the active tasks now and then; under the same lock, each channel remembers the
 * stalls it told of (<channel>.stalls.json, only for tasks still active), so each stall goes
 * out once per channel, whichever server sees it first. Nothing here can affect a task: it only
 * reads the store.
 */
export function startNotifier(
  manager: TaskManager,
  env: NodeJS.ProcessEnv = process.env,
  opts: { pollMs?: number } = {},
): { stop(): Promise<void> } {
  const { notify, home } = manager.settings;
  const dir = path.join(home, "notify");
  const locksDir = manager.store.layout.locksDir;
  const controller = new AbortController();
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let desktopBin: string | undefined;
  const channels: Channel[] = [];
  // Looking for stalls lists the tasks: often enough to tell soon after the threshold, rarely
  // enough to cost nothing (every 15 s at the default 10 minutes).
  const stallAfter = notify.stallAfterSeconds;
  const stallEveryMs = Math.min(15_000, Math.max(1_000, (stallAfter * 1000) / 4));
  let lastStallLook = 0;

  const send = async (channel: Channel, payload: NotifyPayload): Promise<Delivery> => {
    if (channel === "desktop") {
      try {
        await notifyDesktop(desktopBin ?? "notify-send", payload, env);
        return { ok: true, attempts: 1 };
      } catch (err) {
        return { ok: false, attempts: 1, error: errorMessage(err).split("\n")[0]?.slice(0, 200) ?? "" };
      }
    }
    const hook = notify.webhook;
    const kind = payload.event === "task.stalled" ? "stalled" : payload.status;
    if (!hook || (hook.on && !hook.on.includes(kind))) return { ok: true, attempts: 0 };
    return deliverWebhook(hook, payload, { signal: controller.signal });
  };

  /** Sends one notification and records how it went; false when stopping cut it short. */
  const deliver = async (channel: Channel, payload: NotifyPayload): Promise<boolean> => {
    const outcome = await send(channel, payload);
    if (controller.signal.aborted && !outcome.ok) return false;
    if (outcome.attempts > 0) {
      const what = payload.event === "task.stalled" ? "stalled" : payload.status;
      await recordDelivery(dir, locksDir, {
        at: new Date().toISOString(),
        channel,
        event: payload.event,
        task_id: payload.task_id,
        status: what,
        // Which silence a stall was (one is told once).
        ...(payload.event === "task.stalled" ? { last_output_at: payload.last_output_at } : {}),
        ...outcome,
      });
      if (!outcome.ok)
        log.warn(
          `${channel} ${payload.event === "task.stalled" ? "stall " : ""}notification for ${payload.task_id} failed after ${outcome.attempts} attempt(s): ${outcome.error}`,
        );
    }
    return true;
  };

  const drainEndings = async (channel: Channel) => {
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
      if (!(await deliver(channel, taskEndedPayload(entry, same)))) return;
      cursor = entry.next;
      await writeFileAtomic(cursorFile, String(cursor));
    }
    if (end > cursor) await writeFileAtomic(cursorFile, String(end));
  };

  const drainStalls = async (channel: Channel, found: { stalls: Stall[]; active: Set<string> }) => {
    const stateFile = path.join(dir, `${channel}.stalls.json`);
    const state: StallState = await readStallState(stateFile);
    const { toSend, kept } = stallsToSend(state, found.stalls, found.active);
    let changed = Object.keys(kept).length !== Object.keys(state).length;
    for (const stall of toSend) {
      if (controller.signal.aborted) break;
      // A task that ended since the stall was found (its ending may just have been sent) is not
      // stalled: a stall shown after its ending would tell the person to look at a finished task.
      const now = await manager.observe(stall.obs.meta.task_id).catch(() => undefined);
      if (!now || isTerminal(now.status) || now.meta.created_at !== stall.obs.meta.created_at) continue;
      const payload = taskStalledPayload(stall, {
        lastActivity: await manager.lastActivity(stall.obs).catch(() => undefined),
        attachCommand: manager.hosts.hostOf(stall.obs.meta).attachCommand(stall.obs.meta),
      });
      if (!(await deliver(channel, payload))) break;
      kept[stall.obs.meta.task_id] = {
        created_at: stall.obs.meta.created_at,
        since: Math.floor(stall.since),
      };
      changed = true;
      await writeFileAtomic(stateFile, JSON.stringify(kept));
    }
    if (changed) await writeFileAtomic(stateFile, JSON.stringify(kept));
  };

  const drain = (channel: Channel, stalls: { stalls: Stall[]; active: Set<string> } | undefined) =>
    withLock(
      path.join(locksDir, `notify-${channel}`),
      async () => {
        await drainEndings(channel);
        if (stalls && !controller.signal.aborted) await drainStalls(channel, stalls);
      },
      { waitMs: 0 },
    ).catch((err: unknown) => {
      // Another process holds the channel (it delivers), or the disk is full: try again later.
      log.debug(`notify ${channel}: ${errorMessage(err)}`);
    });

  const tick = () => {
    running ??= (async () => {
      let stalls: { stalls: Stall[]; active: Set<string> } | undefined;
      if (stallAfter > 0 && Date.now() - lastStallLook >= stallEveryMs) {
        lastStallLook = Date.now();
        stalls = await findStalls(manager, stallAfter).catch((err: unknown) => {
          log.debug(`notify: looking for stalled tasks failed: ${errorMessage(err)}`);
          return undefined;
        });
      }
      for (const channel of channels) await drain(channel, stalls);
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
