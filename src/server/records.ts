import { promises as fsp } from "node:fs";
import path from "node:path";
import { hasErrorCode } from "../util/errors.js";
import { ensurePrivateDir, readJsonIfExists, writeJsonAtomic } from "../util/files.js";

/** What a running HTTP server says about itself, for `codexmcp doctor`. */
export interface HttpServerRecord {
  readonly pid: number;
  readonly url: string;
  readonly socket: string | null;
  /** "token": every request needs the bearer token; "none": started with --no-auth. */
  readonly auth: "token" | "none";
  readonly started_at: string;
}

function dir(home: string): string {
  return path.join(home, "servers");
}

/** Records the server; the returned function removes the record. */
export async function recordHttpServer(home: string, record: HttpServerRecord): Promise<() => Promise<void>> {
  await ensurePrivateDir(dir(home));
  const file = path.join(dir(home), `http-${record.pid}.json`);
  await writeJsonAtomic(file, record);
  return () => fsp.rm(file, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return hasErrorCode(err, "EPERM");
  }
}

/** Records of HTTP servers still running (records of dead ones are removed). */
export async function runningHttpServers(home: string): Promise<HttpServerRecord[]> {
  const names = await fsp.readdir(dir(home)).catch(() => [] as string[]);
  const out: HttpServerRecord[] = [];
  for (const name of names.filter((n) => /^http-\d+\.json$/.test(n))) {
    const file = path.join(dir(home), name);
    const record = await readJsonIfExists<HttpServerRecord>(file).catch(() => undefined);
    if (record && alive(record.pid)) out.push(record);
    else await fsp.rm(file, { force: true });
  }
  return out;
}
