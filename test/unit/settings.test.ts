import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseDurationSeconds } from "../../src/config/duration.js";
import { DEFAULTS, loadSettings } from "../../src/config/settings.js";

describe("settings: flags > environment > config.yaml > defaults", () => {
  let home: string;
  beforeEach(async () => {
    home = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-unit-"));
  });
  afterEach(async () => {
    await fsp.rm(home, { recursive: true, force: true });
  });

  it("uses defaults without a config file", async () => {
    const s = await loadSettings({ CODEXMCP_HOME: home });
    expect(s).toMatchObject({
      home,
      codexBin: "codex",
      tmuxSocket: undefined,
      taskTimeoutSeconds: DEFAULTS.taskTimeoutSeconds,
      readonlyFallback: false,
      maxParallel: 4,
      taskLinks: true,
    });
  });

  it("layers config.yaml, environment and flags", async () => {
    await fsp.writeFile(
      path.join(home, "config.yaml"),
      "codex_bin: /opt/codex\ntask_timeout: 2h\nmax_parallel: 2\nprofile: from-file\nreadonly_fallback:\n  enabled: true\n",
    );
    const fileOnly = await loadSettings({ CODEXMCP_HOME: home });
    expect(fileOnly).toMatchObject({
      codexBin: "/opt/codex",
      taskTimeoutSeconds: 7200,
      maxParallel: 2,
      profile: "from-file",
      readonlyFallback: true,
    });
    const env = await loadSettings({
      CODEXMCP_HOME: home,
      CODEX_PROFILE: "from-env",
      CODEXMCP_MAX_PARALLEL: "3",
      CODEXMCP_READONLY_FALLBACK: "0",
    });
    expect(env).toMatchObject({
      profile: "from-env",
      maxParallel: 3,
      readonlyFallback: false,
      codexBin: "/opt/codex",
    });
    const flags = await loadSettings(
      { CODEXMCP_HOME: home, CODEX_PROFILE: "from-env" },
      { CODEX_PROFILE: "from-flag" },
    );
    expect(flags.profile).toBe("from-flag");
  });

  it("names the bad key in config.yaml", async () => {
    await fsp.writeFile(path.join(home, "config.yaml"), "max_parallel: many\nworktree:\n  copy: [1]\n");
    const err = await loadSettings({ CODEXMCP_HOME: home }).catch((e: Error) => e);
    expect(String(err)).toMatch(/config\.yaml is invalid: /);
    expect(String(err)).toMatch(/key max_parallel: .*expected number/);
    expect(String(err)).toMatch(/key worktree\.copy\[0\]: .*expected string/);
    await fsp.writeFile(path.join(home, "config.yaml"), "mystery: 1\n");
    await expect(loadSettings({ CODEXMCP_HOME: home })).rejects.toThrow(/unknown key "mystery"/);
    await fsp.writeFile(path.join(home, "config.yaml"), "a: [unclosed\n");
    await expect(loadSettings({ CODEXMCP_HOME: home })).rejects.toThrow(/is not valid YAML/);
  });

  it("reads durations and rejects nonsense in the environment", async () => {
    expect(parseDurationSeconds("90")).toBe(90);
    expect(parseDurationSeconds("30m")).toBe(1800);
    expect(parseDurationSeconds("1.5h")).toBe(5400);
    expect(parseDurationSeconds("7d")).toBe(604800);
    expect(parseDurationSeconds("soon")).toBeUndefined();
    await expect(loadSettings({ CODEXMCP_HOME: home, CODEXMCP_TASK_TIMEOUT: "soon" })).rejects.toThrow(
      /CODEXMCP_TASK_TIMEOUT=soon is not a duration/,
    );
  });
});
