import { spawn } from "node:child_process";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isAlive, processIdentity } from "../../src/proc/liveness.js";
import {
  descendants,
  killTree,
  scanTagged,
  taggedProcesses,
  taggedProcessesAsync,
} from "../../src/proc/tree.js";

async function until(fn: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("condition not met");
}

describe("process identity and tree termination", () => {
  it("tells a live process from a dead one and from a reused pid", async () => {
    const me = processIdentity(process.pid);
    expect(me && isAlive(me)).toBe(true);
    expect(isAlive({ pid: process.pid, start: "not-my-start-time" })).toBe(false);
    const child = spawn("sleep", ["0.1"]);
    const id = processIdentity(child.pid ?? -1);
    expect(id).not.toBeNull();
    await new Promise((r) => child.once("exit", r));
    expect(id && isAlive(id)).toBe(false);
  });

  it("computes descendants from a process table", () => {
    const table = [
      { pid: 10, ppid: 1, pgid: 10 },
      { pid: 11, ppid: 10, pgid: 10 },
      { pid: 12, ppid: 11, pgid: 12 },
      { pid: 13, ppid: 1, pgid: 12 },
      { pid: 20, ppid: 1, pgid: 20 },
    ];
    expect([...descendants([10], table)].sort()).toEqual([10, 11, 12, 13]);
  });

  it.each([
    ["off the event loop", false],
    ["synchronously (mayBlock)", true],
  ])(
    "kills a whole tree, including a daemon that left it, by the task's tag, scanning %s",
    async (_how, mayBlock) => {
      const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "codexmcp-unit-"));
      const tag = `unit-${process.pid}-${Date.now()}`;
      const pidFile = path.join(dir, "daemon.pid");
      const root = spawn(
        "sh",
        ["-c", `setsid -f sh -c 'echo $$ > ${pidFile}; exec sleep 300' ; sleep 300 & sleep 300`],
        {
          env: { ...process.env, CODEXMCP_TASK_ID: tag },
          stdio: "ignore",
        },
      );
      await until(async () => (await fsp.readFile(pidFile, "utf8").catch(() => "")).trim() !== "");
      const daemon = Number((await fsp.readFile(pidFile, "utf8")).trim());
      await until(() => taggedProcesses("CODEXMCP_TASK_ID", tag).size >= 4);
      expect(descendants([root.pid ?? -1]).has(daemon)).toBe(false);
      // The asynchronous scan killTree uses finds the same processes, the daemon among them.
      const tagged = await taggedProcessesAsync("CODEXMCP_TASK_ID", tag);
      expect([...tagged].sort()).toEqual([...taggedProcesses("CODEXMCP_TASK_ID", tag)].sort());
      expect(tagged.has(daemon)).toBe(true);

      const rootId = processIdentity(root.pid ?? -1);
      expect(rootId).not.toBeNull();
      await killTree({
        roots: rootId ? [rootId] : [],
        tag: { name: "CODEXMCP_TASK_ID", value: tag },
        graceMs: 500,
        mayBlock,
      });
      expect(taggedProcesses("CODEXMCP_TASK_ID", tag).size).toBe(0);
      expect(processIdentity(daemon)).toBeNull();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  );

  it.each([
    ["off the event loop", false],
    ["synchronously (mayBlock)", true],
  ])(
    "kills a tag whose processes keep starting detached children during the scans, %s",
    async (_how, mayBlock) => {
      const tag = `churn-${process.pid}-${Date.now()}-${mayBlock}`;
      // Each child leaves the tree at once (setsid) and lives a moment: new tagged pids all along.
      spawn("sh", ["-c", "while :; do setsid sleep 0.3 & sleep 0.01; done"], {
        env: { ...process.env, CODEXMCP_TASK_ID: tag },
        stdio: "ignore",
        detached: true,
      }).unref();
      await until(() => taggedProcesses("CODEXMCP_TASK_ID", tag).size >= 5);
      const found = await killTree({
        roots: [],
        tag: { name: "CODEXMCP_TASK_ID", value: tag },
        graceMs: 300,
        mayBlock,
      });
      expect(found).toBeGreaterThanOrEqual(5);
      expect(scanTagged("CODEXMCP_TASK_ID", tag).found.size).toBe(0);
      // Nothing is left to start any: still none a moment later.
      await new Promise((r) => setTimeout(r, 100));
      expect(taggedProcesses("CODEXMCP_TASK_ID", tag).size).toBe(0);
    },
  );
});
