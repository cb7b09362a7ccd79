import { describe, expect, it } from "vitest";
import { buildCodexArgs } from "../../src/agents/codex/argv.js";

describe("codex exec argv", () => {
  it("reads the prompt from stdin and puts every option before the subcommand", () => {
    expect(buildCodexArgs({ runDir: "/w", sandbox: "read-only" })).toEqual([
      "exec",
      "--json",
      "--skip-git-repo-check",
      "-C",
      "/w",
      "-s",
      "read-only",
      "-",
    ]);
  });

  it("resumes with the sandbox given explicitly again (codex does not carry it over)", () => {
    const args = buildCodexArgs({
      runDir: "/w",
      sandbox: "danger-full-access",
      model: "gpt-5-codex",
      profile: "fast",
      reasoningEffort: "high",
      resumeSessionId: "0199-abc",
      writableDirs: ["/repo/.git"],
    });
    expect(args.slice(-3)).toEqual(["resume", "0199-abc", "-"]);
    const resumeAt = args.indexOf("resume");
    for (const flag of ["-s", "-m", "-p", "-c", "--add-dir"]) {
      expect(args.indexOf(flag), flag).toBeGreaterThan(0);
      expect(args.indexOf(flag), flag).toBeLessThan(resumeAt);
    }
    expect(args).toContain('model_reasoning_effort="high"');
    expect(args[args.indexOf("-s") + 1]).toBe("danger-full-access");
  });
});
