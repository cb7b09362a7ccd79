import { execFileSync } from "node:child_process";
import path from "node:path";

/** The repository root: .bench-dist/lib/ (compiled) and bench/lib/ both sit two levels below it. */
export const ROOT = path.resolve(import.meta.dirname, "../..");
/** The pinned Codex CLI, installed into the agents cache on first use (not a devDependency). */
export const CODEX_BIN = (
  JSON.parse(
    execFileSync(process.execPath, [path.join(ROOT, "scripts/agents.mjs"), "install", "--json", "codex"], {
      encoding: "utf8",
    }),
  ) as { bin: string }[]
)[0]?.bin as string;
export const SERVER_BIN = path.join(ROOT, "dist/bin/codexmcp.js");
export const RESULTS_DIR = path.join(ROOT, "bench/results");
/** Compiled bench fixtures (bench/fixtures/*.ts → .bench-dist/fixtures/*.js). */
export const FIXTURES_DIR = path.resolve(import.meta.dirname, "../fixtures");
