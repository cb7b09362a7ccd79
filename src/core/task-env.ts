import { readFileSync, rmSync } from "node:fs";
import { hasErrorCode } from "../util/errors.js";
import { readHttpToken } from "./http-token.js";
import { checkStoreJson } from "./validated.js";

/**
 * The environment the task must see: the server's, saved by the launcher in a private file
 * (0600, in a 0700 directory) and deleted as soon as it is read. It travels this way, not in
 * argv or `tmux -e`, so secrets never show in `ps`, and it does not depend on the environment
 * of a tmux server that may have started long ago.
 */
export async function takeTaskEnv(file: string): Promise<Record<string, string> | undefined> {
  // Read and removed synchronously: the runner reads it while its start records are fsynced,
  // and asynchronous calls would queue behind those in libuv's four threads (11 ms measured).
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if (hasErrorCode(err, "ENOENT")) return undefined;
    throw err;
  }
  rmSync(file, { force: true });
  // A damaged snapshot (the disk filled while it was written) is as good as none: the runner
  // then gives the task its own environment rather than crashing before it records anything.
  const read = await checkStoreJson(text, "env", "light");
  return read.ok ? (read.value as Record<string, string>) : undefined;
}

/**
 * `env` without undefined values and without anything that authenticates to codexmcp: a
 * variable whose value holds one of `secrets` (the HTTP token, however it is named) is left out.
 */
export function envSnapshot(env: NodeJS.ProcessEnv, secrets: readonly string[] = []): Record<string, string> {
  const live = secrets.filter((s) => s.length >= 16);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || live.some((s) => v.includes(s))) continue;
    out[k] = v;
  }
  return out;
}

/** What authenticates to codexmcp under `home` (its HTTP token, when one was made). */
export async function codexmcpSecrets(home: string): Promise<string[]> {
  const token = await readHttpToken(home).catch(() => undefined);
  return token ? [token] : [];
}
