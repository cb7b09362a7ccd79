import { describe, expect, it } from "vitest";
import { DEFAULT_TOPIC_TYPES, nextTopic, parseTaskId, parseTopic } from "../../src/core/topic.js";

describe("topics and task ids", () => {
  it("parses <type>-<desc>-v<N>", () => {
    expect(parseTopic("implement-user_register-v12")).toEqual({
      topic: "implement-user_register-v12",
      type: "implement",
      desc: "user_register",
      version: 12,
      stem: "implement-user_register",
      taskId: "codex-implement-user_register-v12",
    });
  });

  it("reads hyphens in a description as underscores, everywhere a topic or task id is taken", () => {
    expect(parseTopic("implement-login-page-v1")).toMatchObject({
      topic: "implement-login_page-v1",
      desc: "login_page",
      stem: "implement-login_page",
      taskId: "codex-implement-login_page-v1",
    });
    expect(parseTaskId("codex-implement-login-page-v1").taskId).toBe("codex-implement-login_page-v1");
    expect(parseTaskId("implement-login--page-v2").taskId).toBe("codex-implement-login_page-v2");
    expect(() => parseTopic("implement---v1")).toThrow(/a topic looks like/);
  });

  it("says exactly how to write a topic it can guess", () => {
    expect(() => parseTopic("Implement-x-v1")).toThrow(/For example: "implement-x-v1"/);
    expect(() => parseTopic("implement-login page")).toThrow(/For example: "implement-login_page-v1"/);
    expect(() => parseTopic("feature-login-v1")).toThrow(
      /type "feature" is not allowed here; use one of review, implement.* \(e\.g\. "review-login-v1"\)/,
    );
  });

  it.each([
    "implement-x",
    "x-v1",
    "Implement-x-v1",
    "implement-x-v0",
    "implement--v1",
    "implement-a.b-v1",
    "-rf",
    "implement-x-v1 ",
    "implement-ü-v1",
  ])("rejects %j with the format hint", (topic) => {
    expect(() => parseTopic(topic)).toThrow(/a topic looks like <type>-<desc>-v<N>/);
  });

  it("allows only the configured types", () => {
    expect(DEFAULT_TOPIC_TYPES).toEqual(expect.arrayContaining(["review", "implement", "longrun", "test"]));
    expect(() => parseTopic("deploy-x-v1")).toThrow(/type "deploy" is not allowed here/);
    expect(parseTopic("deploy-x-v1", ["deploy"]).type).toBe("deploy");
  });

  it("accepts task ids with or without the codex- prefix and rejects traversal", () => {
    expect(parseTaskId("codex-review-a-v1").taskId).toBe("codex-review-a-v1");
    expect(parseTaskId("review-a-v1").taskId).toBe("codex-review-a-v1");
    for (const bad of ["../x", "codex-review-a-v1/..", "codex-review-../a-v1", "", "codex-"]) {
      expect(() => parseTaskId(bad)).toThrow(/Invalid task id/);
    }
  });

  it("computes the next version", () => {
    expect(nextTopic(parseTopic("review-a-v9"), DEFAULT_TOPIC_TYPES).topic).toBe("review-a-v10");
  });
});
