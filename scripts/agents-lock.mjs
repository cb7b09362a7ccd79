// A lock dir per agent prefix for scripts/agents.mjs: mkdir is atomic, so exactly one installer of a
// <package>@<version> runs at a time, and the others wait for it (test workers calling the installer
// at once). The owner writes its pid and host into the lock; a lock whose owner died (same host, pid
// gone) is taken over, and so is one too old to belong to a live install.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const LOCK_POLL_MS = 250;
/** A lock older than this with an owner we cannot check (other host, no owner file) is stale. */
const LOCK_STALE_MS = 30 * 60_000;

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

function ownerText(lock) {
  try {
    return fs.readFileSync(path.join(lock, "owner.json"), "utf8");
  } catch {
    return undefined;
  }
}

function isStale(lock, owner) {
  let parsed;
  try {
    parsed = owner ? JSON.parse(owner) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed && parsed.host === os.hostname()) return !alive(parsed.pid);
  try {
    return Date.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS;
  } catch {
    return false; // gone already: the next mkdir decides
  }
}

/**
 * Removes a stale lock without racing another waiter that does the same: the lock is renamed away
 * first (only one rename can take it), and put back if what was taken is not the stale lock judged
 * (another waiter removed that one and a live installer made a new lock meanwhile).
 */
function takeOver(lock, staleOwner) {
  const grave = `${lock}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(lock, grave);
  } catch {
    return;
  }
  if (ownerText(grave) === staleOwner) fs.rmSync(grave, { recursive: true, force: true });
  else fs.renameSync(grave, lock);
}

/** Takes <dir>.lock, waiting while another live process holds it. Returns the release function. */
export function acquireLock(dir, log) {
  const lock = `${dir}.lock`;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(
        path.join(lock, "owner.json"),
        JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }),
      );
      return () => fs.rmSync(lock, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
    const owner = ownerText(lock);
    if (isStale(lock, owner)) {
      log(`taking over the stale lock ${lock}`);
      takeOver(lock, owner);
      continue;
    }
    if (!announced) log(`waiting for another installer of ${path.basename(dir)}`);
    announced = true;
    sleep(LOCK_POLL_MS);
  }
}
