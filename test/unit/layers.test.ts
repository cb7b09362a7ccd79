import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The source layering, bottom to top; a module may import its own layer and those below it.
 * Layers that share a number are siblings (may import each other, never in a cycle); `runner` and
 * `tasks` share one but never import each other (what both need, the queue and a task's observed
 * state, is in `lifecycle`). doctor and e2e sit on top of what they drive.
 */
const LAYER: Readonly<Record<string, number>> = {
  util: 0,
  "version.ts": 0,
  core: 1,
  config: 2,
  agents: 2,
  git: 2,
  proc: 2,
  hosts: 2,
  audit: 3,
  lifecycle: 3,
  runner: 4,
  tasks: 4,
  tools: 5,
  server: 6,
  e2e: 6,
  cli: 7,
  doctor: 7,
  bin: 8,
  "index.ts": 8,
  "api.ts": 8,
};
const NEVER: readonly (readonly [string, string])[] = [
  ["tasks", "runner"],
  ["runner", "tasks"],
];

const SRC = path.resolve(import.meta.dirname, "../../src");
// Static imports and re-exports (type-only ones too) and dynamic import("…") of relative paths.
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith(".ts") ? [full] : [];
  });
}

/** src-relative file → the src-relative files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    const targets = [...text.matchAll(IMPORT)].map((m) => {
      const spec = (m[1] ?? m[2] ?? "").replace(/\.js$/, ".ts");
      return path.relative(SRC, path.resolve(path.dirname(file), spec));
    });
    graph.set(path.relative(SRC, file), targets);
  }
  return graph;
}

/** The layer a file belongs to: its top directory under src (or the file's own name at the top). */
function layerOf(file: string): string {
  return file.split(path.sep)[0] ?? file;
}

/** Every cycle reachable in `graph`, each as the path that closes it (a → … → a). */
function cycles(graph: Map<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}

describe("source layering", () => {
  const graph = importGraph();

  it("reads the imports it is meant to judge", () => {
    expect(graph.size).toBeGreaterThan(100);
    // A type-only import, a re-export and a dynamic import each count.
    expect(graph.get(path.join("agents", "agent.ts"))).toContain(path.join("core", "agent-events.ts"));
    expect(graph.get(path.join("agents", "registry.ts"))).toContain(
      path.join("agents", "codex", "driver.ts"),
    );
    for (const [file, targets] of graph)
      for (const target of targets) expect(graph.has(target), `${file} imports ${target}`).toBe(true);
  });

  it("puts every source file in a known layer", () => {
    const unknown = [...graph.keys()].filter((f) => LAYER[layerOf(f)] === undefined);
    expect(unknown).toEqual([]);
  });

  it("has no import that goes up the layers, and tasks and runner never import each other", () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      const from = layerOf(file);
      for (const target of targets) {
        const to = layerOf(target);
        if ((LAYER[to] ?? 99) > (LAYER[from] ?? -1)) wrong.push(`${file} → ${target} (${from} below ${to})`);
        if (NEVER.some(([a, b]) => a === from && b === to))
          wrong.push(`${file} → ${target} (${from} ↛ ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("has no import cycle between files", () => {
    expect(cycles(graph).map((c) => c.join(" → "))).toEqual([]);
  });

  it("has no import cycle between layers", () => {
    const layers = new Map<string, string[]>();
    for (const [file, targets] of graph) {
      const from = layerOf(file);
      const out = layers.get(from) ?? [];
      for (const t of targets) if (layerOf(t) !== from && !out.includes(layerOf(t))) out.push(layerOf(t));
      layers.set(from, out);
    }
    expect(cycles(layers).map((c) => c.join(" → "))).toEqual([]);
  });
});
