#!/usr/bin/env node
// Adds lockfile entries for optional platform packages (rollup, biome, ...) that `npm install`
// left out. Some registry mirrors answer 404 for binaries of other platforms; npm then drops them
// from package-lock.json without a word, and `npm ci` refuses the lockfile everywhere
// ("Missing: @rollup/rollup-darwin-x64@ from lock file"). Run after changing dependencies:
//   node scripts/complete-lockfile.mjs && npm ci
// The entries carry version, os, cpu and libc, so npm skips them on other platforms.
import { readFileSync, writeFileSync } from "node:fs";

const LOCKFILE = new URL("../package-lock.json", import.meta.url);

const OS_NAMES = [
  "android",
  "darwin",
  "freebsd",
  "linux",
  "openbsd",
  "openharmony",
  "win32",
  "sunos",
  "aix",
  "netbsd",
];
const CPU_NAMES = ["arm64", "arm", "x64", "ia32", "loong64", "ppc64", "riscv64", "s390x", "mips64el"];

/** Reads os, cpu and libc off a platform package's name, e.g. `rollup-linux-arm-musleabihf`. */
function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = OS_NAMES.find((candidate) => parts.includes(candidate));
  const cpu = CPU_NAMES.find((candidate) => parts.includes(candidate));
  if (!os || !cpu) return undefined;
  const platform = { os: [os], cpu: [cpu] };
  if (os === "linux") platform.libc = [parts.some((part) => part.startsWith("musl")) ? "musl" : "glibc"];
  return platform;
}

const lock = JSON.parse(readFileSync(LOCKFILE, "utf8"));
const added = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (lock.packages[key] || !/^\d+\.\d+\.\d+/.test(spec)) continue;
    const platform = platformOf(name);
    if (!platform) {
      console.error(`skipped ${name} (needed by ${path || "the root"}): no platform in its name`);
      continue;
    }
    lock.packages[key] = {
      version: spec,
      ...platform,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
    };
    added.push(`${name}@${spec}`);
  }
}

lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
writeFileSync(LOCKFILE, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `added ${added.length}: ${added.join(", ")}` : "nothing missing");
