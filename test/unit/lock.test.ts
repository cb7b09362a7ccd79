import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../src/util/errors.js";
import { withLock } from "../../src/util/lock.js";
import { testDir } from "../helpers/paths.js";
import { ROOT } from "../helpers/sandbox.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("withLock in one process", () => {
  let dir: string;
  let lock: string;
  beforeEach(async () => {
    dir = await testDir("lock");
    lock = path.join(dir, "locks", "repo-x");
  });
  afterEach(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it("serves waiters one at a time, in the order they asked", async () => {
    const order: number[] = [];
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        withLock(lock, async () => {
          inside++;
          most = Math.max(most, inside);
          order.push(i);
          await sleep(5);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order).toEqual(Array.from({ length: 12 }, (_, i) => i));
    // Released: the lock directory proper-lockfile makes is gone.
    expect(existsSync(`${lock}.lock`)).toBe(false);
  });

  it("a holder that throws passes the lock on", async () => {
    const first = withLock(lock, async () => {
      throw new Error("boom");
    });
    const second = withLock(lock, async () => "second ran");
    await expect(first).rejects.toThrow("boom");
    await expect(second).resolves.toBe("second ran");
  });

  it("a waiter that runs out of time gets a sentence, and the ones after it still get their turn", async () => {
    let releaseHolder: () => void = () => undefined;
    const holder = withLock(lock, () => new Promise<void>((r) => (releaseHolder = r)));
    await sleep(20);
    const impatient = withLock(lock, async () => "never", { waitMs: 100, what: "the repository" });
    const patient = withLock(lock, async () => "patient ran");
    const err = await impatient.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(String((err as Error).message)).toMatch(
      /codexmcp is busy: other work has held the repository for over 0 s/,
    );
    releaseHolder();
    await holder;
    await expect(patient).resolves.toBe("patient ran");
  });

  /** Another process (a second codexmcp, say) holding the lock until told on stdin; resolves once it has it. */
  async function otherProcessHolds(): Promise<ChildProcess> {
    const script = `
      const lockfile = require("proper-lockfile");
      lockfile.lock(${JSON.stringify(lock)}, { realpath: false, stale: 10000, update: 2000 }).then((release) => {
        process.stdout.write("held\\n");
        process.stdin.once("data", () => release().then(() => process.exit(0)));
      });`;
    const child = spawn(process.execPath, ["-e", script], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "inherit"],
    });
    await new Promise<void>((resolve) => child.stdout?.once("data", () => resolve()));
    return child;
  }

  it("waits for another process's holder, and says so when it waits too long", async () => {
    await fsp.mkdir(path.dirname(lock), { recursive: true });
    const other = await otherProcessHolds();
    const exited = new Promise((resolve) => other.once("exit", resolve));
    await expect(
      withLock(lock, async () => "too soon", { waitMs: 100, what: "the repository" }),
    ).rejects.toThrow(/codexmcp is busy: other work has held the repository/);
    let released = false;
    const patient = withLock(lock, async () => released);
    await sleep(300);
    released = true;
    other.stdin?.write("release\n");
    // It ran only after the other process let go.
    await expect(patient).resolves.toBe(true);
    await exited;
  });
});
