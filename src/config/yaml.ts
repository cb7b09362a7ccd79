/**
 * YAML parsing, loaded on first use: most servers read no YAML at all (no config file, no
 * repository config), and yaml is one of the larger modules. yaml is a CommonJS package: its
 * functions are read off the default export, which is what both Node's own loader and the
 * bundle (scripts/bundle.mjs) give a dynamic import of CommonJS.
 */
export async function parseYaml(text: string): Promise<unknown> {
  const { default: yaml } = await import("yaml");
  return yaml.parse(text);
}
