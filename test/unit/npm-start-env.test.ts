import { describe, expect, it } from "vitest";
import { shedNpmStartEnv } from "../../src/util/npm-start-env.js";

const USER_PATH = "/home/u/.local/bin:/usr/local/bin:/usr/bin";

/** What npm 11 hands `npm start` in the clone /src/codexmcp, called from /home/u/work. */
function npmStartEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: `/src/codexmcp/node_modules/.bin:/src/node_modules/.bin:/node_modules/.bin:/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin:${USER_PATH}`,
    HOME: "/home/u",
    NODE: "/usr/bin/node",
    COLOR: "1",
    EDITOR: "vi",
    INIT_CWD: "/home/u/work",
    npm_command: "start",
    npm_execpath: "/usr/lib/node_modules/npm/bin/npm-cli.js",
    npm_node_execpath: "/usr/bin/node",
    npm_lifecycle_event: "start",
    npm_lifecycle_script: "node dist/bin/codexmcp.js",
    npm_package_name: "codexmcp",
    npm_package_version: "0.1.0",
    npm_package_json: "/src/codexmcp/package.json",
    npm_config_json: "true",
    npm_config_local_prefix: "/src/codexmcp",
    npm_config_registry: "https://npm.corp.example/",
    ...extra,
  };
}

describe("shedNpmStartEnv", () => {
  it("gives back the shell's PATH and drops npm's per-script variables", () => {
    const env = npmStartEnv();
    shedNpmStartEnv(env);
    expect(env).toEqual({
      PATH: USER_PATH,
      HOME: "/home/u",
      EDITOR: "vi",
      // A user's own npm settings (from the shell or an npmrc) may matter to a task's npm.
      npm_config_registry: "https://npm.corp.example/",
    });
  });

  it("keeps a node_modules/.bin the user put later in PATH, and a NODE that is not npm's", () => {
    const env = npmStartEnv({
      PATH: `/src/codexmcp/node_modules/.bin:/usr/bin:/home/u/tools/node_modules/.bin`,
      NODE: "/opt/node22/bin/node",
    });
    shedNpmStartEnv(env);
    expect(env.PATH).toBe("/usr/bin:/home/u/tools/node_modules/.bin");
    expect(env.NODE).toBe("/opt/node22/bin/node");
  });

  it.each([
    ["a client's launch (no npm)", { npm_lifecycle_event: undefined, npm_package_name: undefined }],
    ["another package's npm start", { npm_package_name: "my-app" }],
    ["npm test in the clone", { npm_lifecycle_event: "test" }],
  ])("leaves %s alone", (_name, extra) => {
    const env = npmStartEnv(extra);
    const before = { ...env };
    shedNpmStartEnv(env);
    expect(env).toEqual(before);
  });
});
