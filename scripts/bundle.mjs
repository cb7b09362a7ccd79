#!/usr/bin/env node
// Bundles the two entry points a user's machine starts over and over — the server/CLI
// (dist/bin/codexmcp.js) and the task runner (dist/runner/main.js) — each into one file plus
// shared chunks, over the per-module output of tsc. Node then reads a handful of files instead
// of ~500 (our modules, the MCP SDK, zod, execa, …): start-up is mostly module
// loading (docs/performance.md). Dynamic import() stays lazy: each becomes a chunk loaded on first
// use. Chunks sit in dist/chunks/, one level below dist/ like bin/ and runner/, so paths that
// modules compute from import.meta.url (the runner's entry, package.json) stay right.
// Run by `npm run build` after tsc; the rest of dist/ (the API, types) is tsc's.
import { chmodSync, cpSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;

await build({
  absWorkingDir: root,
  entryPoints: { "bin/codexmcp": "src/bin/codexmcp.ts", "runner/main": "src/runner/main.ts" },
  outdir: "dist",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  legalComments: "linked",
  logLevel: "warning",
  // CommonJS dependencies (fs-extra, proper-lockfile, cross-spawn, …) call require() for Node's
  // built-ins; an ES module has no require of its own, so each output file gets one.
  // jsonc-parser's "main" is a UMD build whose require() calls esbuild cannot follow; its ES build
  // is the same code.
  alias: { "jsonc-parser": "./node_modules/jsonc-parser/lib/esm/main.js" },
  banner: {
    js: 'import { createRequire as __cmcpCreateRequire } from "node:module"; const require = __cmcpCreateRequire(import.meta.url);',
  },
});
chmodSync(new URL("../dist/bin/codexmcp.js", import.meta.url), 0o755);

// The web board's page: plain HTML, CSS and browser JavaScript, shipped as they are (no CDN, no
// build step on the user's machine). src/server/ui/static.ts serves them from here.
cpSync(new URL("../src/server/ui/static", import.meta.url), new URL("../dist/ui/static", import.meta.url), {
  recursive: true,
});
