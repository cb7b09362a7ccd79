import { startNotifier } from "../notify/notifier.js";
import { pruneTaskDirs } from "../tasks/cleanup.js";
import type { TaskManager } from "../tasks/manager.js";
import { errorMessage } from "../util/errors.js";
import { log } from "../util/log.js";

const PUMP_EVERY_MS = 10_000;
const PRUNE_EVERY_MS = 6 * 3600_000;

/**
 * What a long-lived server does on its own: moves the queue when a slot frees up unseen (a
 * runner killed while no one watched), and deletes finished task directories past the
 * retention period; tells people that tasks ended (config.yaml `notify:`). Nothing running is
 * ever touched.
 */
export function startHousekeeping(manager: TaskManager): { stop(): void } {
  const pump = () => void manager.pump().catch((err) => log.debug(`queue pump failed: ${errorMessage(err)}`));
  const prune = () =>
    void pruneTaskDirs(manager, manager.settings.retentionDays)
      .then((removed) => {
        if (removed.length > 0)
          log.info(
            `removed ${removed.length} task director${removed.length === 1 ? "y" : "ies"} older than ${manager.settings.retentionDays} days`,
          );
      })
      .catch((err) => log.warn(`retention pruning failed: ${errorMessage(err)}`));
  pump();
  prune();
  const timers = [setInterval(pump, PUMP_EVERY_MS), setInterval(prune, PRUNE_EVERY_MS)];
  for (const t of timers) t.unref();
  const notifier = startNotifier(manager);
  return {
    stop() {
      for (const t of timers) clearInterval(t);
      void notifier.stop();
    },
  };
}
