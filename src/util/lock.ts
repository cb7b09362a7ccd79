import { promises as fsp } from "node:fs";
import path from "node:path";
import lockfile from "proper-lockfile";
import { hasErrorCode, UserError } from "./errors.js";
import { PRIVATE_DIR_MODE } from "./files.js";
import { sleep } from "./time.js";

export interface LockOptions {
  /** How long to keep trying before giving up. */
  readonly waitMs?: number;
  /** What the lock protects, for the message when it cannot be had ("the repository …"). */
  readonly what?: string;
}

/** This process's holders and waiters, per lock path: the tail of each queue. */
const queues = new Map<string, Promise<void>>();

/**
 * Waits, in call order, for this process's earlier holders and waiters of `lockPath`, and gives
 * the function that ends this turn (undefined when `waitMs` passed first; the turn is then passed
 * on when it comes). Only the head of the queue polls the file lock against other processes, so
 * a burst of dispatches in one server hands the lock on at once rather than at someone's next
 * poll, and 30 waiters do not poll the file system 600 times a second.
 */
async function inProcessTurn(lockPath: string, waitMs: number): Promise<(() => void) | undefined> {
  const queued = queues.get(lockPath);
  let end: () => void = () => undefined;
  const mine = new Promise<void>((resolve) => {
    end = resolve;
  });
  const tail = queued ? queued.then(() => mine) : mine;
  queues.set(lockPath, tail);
  void tail.then(() => {
    if (queues.get(lockPath) === tail) queues.delete(lockPath);
  });
  // Nobody ahead (the usual case): the turn is ours now, with no timer to set.
  if (!queued) return end;
  const before = queued;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    before.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), waitMs);
    }),
  ]);
  clearTimeout(timer);
  if (!timedOut) return end;
  void before.then(end);
  return undefined;
}

/**
 * The file lock other processes see, polled every 10-50 ms until `deadline`. The polling is ours,
 * not proper-lockfile's `retries`: that option builds and sorts the list of every wait up front,
 * 12,000 of them for a 10-minute wait, which cost each dispatch 4 ms.
 */
async function lockAcross(lockPath: string, deadline: number): Promise<() => Promise<void>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await lockfile.lock(lockPath, {
        realpath: false,
        stale: 10_000,
        update: 2_000,
        retries: 0,
        onCompromised: () => {
          // The lock was taken over as stale while we still held it (the process stalled for
          // over 10 s). The critical sections are short and idempotent; carry on.
        },
      });
    } catch (err) {
      if (!hasErrorCode(err, "ELOCKED") || Date.now() >= deadline) throw err;
      const wait = Math.min(50, 10 * 1.2 ** attempt) * (1 + Math.random());
      await sleep(Math.min(wait, Math.max(0, deadline - Date.now())));
    }
  }
}

function busy(lockPath: string, opts: LockOptions, waitMs: number): UserError {
  return new UserError(
    `codexmcp is busy: other work has held ${opts.what ?? path.basename(lockPath)} for over ${Math.round(waitMs / 1000)} s (many dispatches at once?); try again in a moment.`,
  );
}

/**
 * Runs `fn` holding an exclusive lock shared by every process on the machine. A holder that
 * dies leaves a lock that goes stale after ~10 s and is taken over. Not reentrant: `fn` must not
 * take the same lock again.
 */
export async function withLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  opts: LockOptions = {},
): Promise<T> {
  const waitMs = opts.waitMs ?? 60_000;
  const deadline = Date.now() + waitMs;
  // In the queue before anything is awaited: turns follow the order of the calls.
  const endTurn = await inProcessTurn(lockPath, waitMs);
  if (!endTurn) throw busy(lockPath, opts, waitMs);
  try {
    await fsp.mkdir(path.dirname(lockPath), { recursive: true, mode: PRIVATE_DIR_MODE });
    const release = await lockAcross(lockPath, deadline).catch((err: unknown) => {
      if (hasErrorCode(err, "ELOCKED")) throw busy(lockPath, opts, waitMs);
      throw err;
    });
    try {
      return await fn();
    } finally {
      await release().catch(() => undefined);
    }
  } finally {
    endTurn();
  }
}
