import { z } from "zod";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds from `90`, `"90"`, `"90s"`, `"30m"`, `"2h"`, `"7d"`; undefined if unreadable. */
export function parseDurationSeconds(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = (m[2] || "s").toLowerCase();
  return Number(m[1]) * (UNIT_SECONDS[unit] ?? 1);
}

/** A zod field for a duration in config files and tool inputs, normalised to seconds. */
export const durationSeconds = (what: string) =>
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const seconds = parseDurationSeconds(value);
    if (seconds === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `${what} must be a number of seconds or a duration like 90s, 30m, 2h, 7d (got ${JSON.stringify(value)})`,
      });
      return z.NEVER;
    }
    return seconds;
  });
