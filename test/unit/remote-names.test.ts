import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseTopic } from "../../src/core/topic.js";
import { originId, remoteRepoId, remoteTopic } from "../../src/tasks/remote-names.js";

describe("names on a host: every caller's mark", () => {
  let home: string;
  beforeEach(async () => {
    home = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-unit-"));
  });
  afterEach(async () => {
    await fsp.rm(home, { recursive: true, force: true });
  });

  it("a home's origin id is made once, 0600, and the same for servers that ask at once", async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, () => originId(home)));
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(await originId(home)).toBe(ids[0]);
    expect((await fsp.stat(path.join(home, "origin-id"))).mode & 0o777).toBe(0o600);
    const other = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-unit-"));
    try {
      expect(await originId(other)).not.toBe(ids[0]);
    } finally {
      await fsp.rm(other, { recursive: true, force: true });
    }
  });

  it("the same topic gets another name for another repository or home; versions of one topic share theirs", () => {
    const t = parseTopic("implement-login-v1");
    const repoA = remoteRepoId("a".repeat(32), "/work/app/.git");
    const repoB = remoteRepoId("a".repeat(32), "/work/other/app/.git");
    const repoA2 = remoteRepoId("b".repeat(32), "/work/app/.git");
    const names = [repoA, repoB, repoA2].map((r) => remoteTopic(t, r).taskId);
    expect(new Set(names).size).toBe(3);
    for (const n of names) expect(n).toMatch(/^codex-implement-login_[0-9a-f]{8}-v1$/);
    const v2 = remoteTopic(parseTopic("implement-login-v2"), repoA);
    expect(v2.stem).toBe(remoteTopic(t, repoA).stem);
    expect(v2.taskId).toBe(`codex-${v2.stem}-v2`);
  });

  it("a description at the topic's 64-character limit still makes a valid, distinct name", () => {
    const repo = remoteRepoId("c".repeat(32), "/r/.git");
    const long1 = parseTopic(`fix-${"x".repeat(63)}1-v3`);
    const long2 = parseTopic(`fix-${"x".repeat(63)}2-v3`);
    const n1 = remoteTopic(long1, repo);
    const n2 = remoteTopic(long2, repo);
    expect(n1.desc.length).toBeLessThanOrEqual(64);
    expect(n1.taskId).not.toBe(n2.taskId);
    expect(parseTopic(n1.topic, ["fix"]).taskId).toBe(n1.taskId);
  });
});
