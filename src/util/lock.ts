import { promises as fsp } from "node:fs";
import path from "node:path";
import lockfile from "proper-lockfile";
import { hasErrorCode, UserError } from "./errors.js";
import { PRIVATE_DIR_MODE } from "./files.js";

export interface LockOptions {
  /** How long to keep trying before giving up. */
  readonly waitMs?: number;
  /** What the lock protects, for the message when it cannot be had ("the repository …"). */
  readonly what?: string;
}

/**
 * Runs `fn` holding an exclusive lock shared by every process on the machine. A holder that
 * dies leaves a lock that goes stale after ~10 s and is taken over.
 */
export async function withLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  opts: LockOptions = {},
): Promise<T> {
  await fsp.mkdir(path.dirname(lockPath), { recursive: true, mode: PRIVATE_DIR_MODE });
  const waitMs = opts.waitMs ?? 60_000;
  const release = await lockfile
    .lock(lockPath, {
      realpath: false,
      stale: 10_000,
      update: 2_000,
      // Short polls: a burst of dispatches into one repository hands the lock on quickly.
      retries: {
        retries: Math.ceil(waitMs / 50),
        factor: 1.2,
        minTimeout: 10,
        maxTimeout: 50,
        randomize: true,
      },
      onCompromised: () => {
        // The lock was taken over as stale while we still held it (the process stalled for
        // over 10 s). The critical sections are short and idempotent; carry on.
      },
    })
    .catch((err: unknown) => {
      if (hasErrorCode(err, "ELOCKED")) {
        throw new UserError(
          `codexmcp is busy: other work has held ${opts.what ?? path.basename(lockPath)} for over ${Math.round(waitMs / 1000)} s (many dispatches at once?); try again in a moment.`,
        );
      }
      throw err;
    });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
