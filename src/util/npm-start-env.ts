import path from "node:path";

/** A PATH entry npm puts in front for a script: some package's `node_modules/.bin`, or node-gyp's. */
const NPM_BIN_DIR = /(^|[\\/])node_modules[\\/](\.bin|.*[\\/]node-gyp-bin)[\\/]?$/;

/**
 * Variables npm sets for the one script it runs, never the user's: what ran (`npm_lifecycle_*`,
 * `npm_command`), which npm and node, codexmcp's own package.json fields, the directory npm was
 * called from, the clone as npm's local prefix, and `json`, which the clone's .npmrc turns on only
 * so that npm's banner goes to stderr.
 */
function isNpmRunVariable(name: string): boolean {
  return (
    name.startsWith("npm_lifecycle_") ||
    name.startsWith("npm_package_") ||
    name === "npm_command" ||
    name === "npm_execpath" ||
    name === "npm_node_execpath" ||
    name === "npm_config_local_prefix" ||
    name === "npm_config_json" ||
    name === "INIT_CWD"
  );
}

/**
 * When `npm start` in the clone launched the server, gives back the environment the user's shell
 * had, as far as it can be told apart: npm's per-script variables go, and so do the
 * `node_modules/.bin` directories npm put in front of PATH. Everything the server starts (runners,
 * agents, the commands agents run in the user's repositories) inherits this environment, and a
 * user's shell has neither codexmcp's dev tools first on PATH nor npm told to print JSON.
 * Variables a user may have set themselves (other `npm_config_*`, EDITOR) stay. Any other launch is
 * left alone. Changes `env` in place.
 */
export function shedNpmStartEnv(env: NodeJS.ProcessEnv = process.env): void {
  if (env.npm_lifecycle_event !== "start" || env.npm_package_name !== "codexmcp") return;
  const entries = (env.PATH ?? "").split(path.delimiter);
  let first = 0;
  while (first < entries.length && NPM_BIN_DIR.test(entries[first] ?? "")) first++;
  env.PATH = entries.slice(first).join(path.delimiter);
  // npm sets NODE to the node it runs scripts with, and COLOR to whether its own output has color.
  if (env.NODE && env.NODE === env.npm_node_execpath) delete env.NODE;
  if (env.COLOR === "0" || env.COLOR === "1") delete env.COLOR;
  for (const name of Object.keys(env)) if (isNpmRunVariable(name)) delete env[name];
}
