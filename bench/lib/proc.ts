import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

export interface Memory {
  /** Resident set size now, MiB (VmRSS). */
  readonly rssMiB: number;
  /** Peak resident set size so far, MiB (VmHWM). */
  readonly hwmMiB: number;
}

/** VmRSS / VmHWM of a live process, from /proc. */
export function memoryOf(pid: number): Memory {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, "m").exec(text)?.[1] ?? Number.NaN);
  return { rssMiB: kb("VmRSS") / 1024, hwmMiB: kb("VmHWM") / 1024 };
}

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    const out = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    ticks = Number.isFinite(out) && out > 0 ? out : 100;
  }
  return ticks;
}

/** CPU seconds (user + system) a live process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3; utime and stime are fields 14 and 15.
  return (Number(rest[11]) + Number(rest[12])) / clockTicks();
}

/** CPU seconds the whole machine has spent busy (all cores; everything but idle and iowait). */
export function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((s, x) => s + x, 0);
  return (total - (v[3] ?? 0) - (v[4] ?? 0)) / clockTicks();
}
