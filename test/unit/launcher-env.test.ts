import { describe, expect, it } from "vitest";
import { launcherVariableReason, refusedRepoVariables } from "../../src/config/launcher-env.js";

describe("variables a repository may not set", () => {
  it("refuses what loads code or redirects programs, in any case", () => {
    for (const name of [
      "NODE_OPTIONS",
      "node_options",
      "LD_PRELOAD",
      "ld_library_path",
      "DYLD_INSERT_LIBRARIES",
      "PATH",
      "HOME",
      "BASH_ENV",
      "ENV",
      "PYTHONSTARTUP",
      "PERL5OPT",
      "RUBYOPT",
      "JAVA_TOOL_OPTIONS",
      "GIT_CONFIG_PARAMETERS",
      "GIT_SSH_COMMAND",
      "CODEX_HOME",
      "CODEXMCP_HOME",
      "OPENAI_BASE_URL",
      "HTTPS_PROXY",
      "https_proxy",
      "TMPDIR",
      "XDG_CONFIG_HOME",
      "npm_config_node_options",
    ])
      expect(launcherVariableReason(name), name).toBeDefined();
  });

  it("lets ordinary project variables through", () => {
    for (const name of [
      "NODE_ENV",
      "PYTHONUNBUFFERED",
      "DATABASE_URL",
      "APP_PORT",
      "GIT_AUTHOR_NAME",
      "RUST_LOG",
    ])
      expect(launcherVariableReason(name), name).toBeUndefined();
  });

  it("the user's allow-list names exceptions", () => {
    expect(refusedRepoVariables(["NODE_OPTIONS", "LD_PRELOAD", "FOO"], ["node_options"])).toEqual([
      { name: "LD_PRELOAD", reason: expect.any(String) },
    ]);
  });
});
