import path from "node:path";

/** The repository root: .bench-dist/lib/ (compiled) and bench/lib/ both sit two levels below it. */
export const ROOT = path.resolve(import.meta.dirname, "../..");
export const CODEX_BIN = path.join(ROOT, "node_modules/.bin/codex");
export const SERVER_BIN = path.join(ROOT, "dist/bin/codexmcp.js");
export const RESULTS_DIR = path.join(ROOT, "bench/results");
/** Compiled bench fixtures (bench/fixtures/*.ts → .bench-dist/fixtures/*.js). */
export const FIXTURES_DIR = path.resolve(import.meta.dirname, "../fixtures");
