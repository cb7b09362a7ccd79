import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { ProcessIdentity } from "../core/process-identity.js";
import { hasErrorCode } from "../util/errors.js";

export type { ProcessIdentity };

interface ProcStat {
  readonly state: string;
  readonly startTicks: string;
}

function readProcStat(pid: number): ProcStat | null | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (err) {
    if (hasErrorCode(err, "ENOENT", "ESRCH")) return null;
    return undefined; // no /proc (macOS): caller falls back to ps
  }
  // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
  return { state: rest[0] ?? "?", startTicks: rest[19] ?? "" };
}

function psStart(pid: number): string | null {
  try {
    const out = execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const s = out.trim();
    return s === "" ? null : s;
  } catch {
    return null;
  }
}

/** The identity of a live process, or null if there is none with that pid (zombies count as gone). */
export function processIdentity(pid: number): ProcessIdentity | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const stat = readProcStat(pid);
  if (stat === null) return null;
  if (stat !== undefined)
    return stat.state === "Z" || stat.state === "X" ? null : { pid, start: stat.startTicks };
  const start = psStart(pid);
  return start === null ? null : { pid, start };
}

export function isAlive(identity: ProcessIdentity): boolean {
  const now = processIdentity(identity.pid);
  return now !== null && now.start === identity.start;
}
