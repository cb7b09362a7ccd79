import { promises as fsp } from "node:fs";
import path from "node:path";
import { appendLine } from "../util/files.js";
import { withLock } from "../util/lock.js";

/** deliveries.jsonl is rotated past this size: it and deliveries.1.jsonl hold the newest ~2 MiB. */
export const DELIVERIES_MAX_BYTES = 1024 * 1024;

export const DELIVERIES_FILE = "deliveries.jsonl";
export const DELIVERIES_ROTATED = "deliveries.1.jsonl";

/**
 * Appends one delivery outcome to `dir`/deliveries.jsonl. The log is bounded: when it grows past
 * `maxBytes` it becomes deliveries.1.jsonl (replacing the one before) and a new one starts. The
 * rotation is done under a lock, so two processes never rotate one file twice (which would
 * throw the older half away).
 */
export async function recordDelivery(
  dir: string,
  locksDir: string,
  record: Record<string, unknown>,
  maxBytes = DELIVERIES_MAX_BYTES,
): Promise<void> {
  const file = path.join(dir, DELIVERIES_FILE);
  await appendLine(file, JSON.stringify(record));
  const size = async () => (await fsp.stat(file).catch(() => undefined))?.size ?? 0;
  if ((await size()) <= maxBytes) return;
  await withLock(
    path.join(locksDir, "notify-deliveries"),
    async () => {
      if ((await size()) > maxBytes) await fsp.rename(file, path.join(dir, DELIVERIES_ROTATED));
    },
    { waitMs: 5_000 },
  );
}
