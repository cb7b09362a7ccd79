import { promises as fsp } from "node:fs";
import { hasErrorCode } from "../util/errors.js";
import { PRIVATE_FILE_MODE } from "../util/files.js";
import type { TaskResult } from "./types.js";
import { checkStoreJson } from "./validated.js";

/**
 * Space for a task's outcome, set aside when the task is dispatched. A state directory that fills
 * up while the task runs must not turn a finished task into a "crashed" one: the outcome is then
 * written into this already-allocated file in place (no new blocks needed), which is hard-linked
 * as result.json — the same write-once `link(2)` as usual. If even the link fails, the file stays
 * as `outcome.pending` and the next observer records it.
 */
export const RESERVE_BYTES = 16 * 1024;

export function isStorageError(err: unknown): boolean {
  return hasErrorCode(err, "ENOSPC", "EDQUOT");
}

/**
 * Best effort: a state directory already too full for the reserve still takes the task (it then
 * simply has no reserve); the partial file is removed.
 */
export async function createReserve(file: string): Promise<boolean> {
  const handle = await fsp.open(file, "wx", PRIVATE_FILE_MODE);
  try {
    await handle.write(Buffer.alloc(RESERVE_BYTES, 0x20), 0, RESERVE_BYTES, 0);
    await handle.sync();
    return true;
  } catch (err) {
    if (!isStorageError(err)) throw err;
    await handle.close().catch(() => undefined);
    await fsp.rm(file, { force: true });
    return false;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** The result as JSON within `max` bytes: a long final message is cut (and says so) to fit. */
export function fitResult(result: TaskResult, max = RESERVE_BYTES): string {
  let json = `${JSON.stringify(result, null, 2)}\n`;
  if (Buffer.byteLength(json) <= max) return json;
  const note = " … (cut: the state directory was full)";
  const over = Buffer.byteLength(json) - max + note.length + 64;
  const text = result.result ?? "";
  const cut: TaskResult = {
    ...result,
    result: text.length > over ? `${text.slice(0, text.length - over)}${note}` : null,
    readonly_audit: undefined,
  };
  json = `${JSON.stringify(cut, null, 2)}\n`;
  return json;
}

/**
 * Writes `result` as `target` through the reserve. true: written; false: another writer's
 * outcome was there first; undefined: no reserve to use. Throws when the reserve was used but
 * the link failed (the outcome then waits in `pending`).
 */
export async function writeOnceFromReserve(
  reserve: string,
  pending: string,
  target: string,
  result: TaskResult,
): Promise<boolean | undefined> {
  const json = Buffer.from(fitResult(result));
  if (json.length > RESERVE_BYTES) return undefined;
  try {
    await fsp.rename(reserve, pending);
  } catch (err) {
    if (hasErrorCode(err, "ENOENT")) return undefined;
    throw err;
  }
  const handle = await fsp.open(pending, "r+");
  try {
    await handle.write(json, 0, json.length, 0);
    await handle.truncate(json.length);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fsp.link(pending, target);
  } catch (err) {
    if (hasErrorCode(err, "EEXIST")) {
      await fsp.rm(pending, { force: true });
      return false;
    }
    throw err;
  }
  await fsp.rm(pending, { force: true });
  return true;
}

/** An outcome a writer left in `pending` because it could not record it. */
export async function readPending(
  pending: string,
  mode: "full" | "light" = "full",
): Promise<TaskResult | undefined> {
  const text = await fsp.readFile(pending, "utf8").catch(() => "");
  if (!text.trimStart().startsWith("{")) return undefined;
  const read = await checkStoreJson(text, "result", mode);
  return read.ok ? (read.value as TaskResult) : undefined;
}
