import { createHash, randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { parseTopic, type Topic } from "../core/topic.js";
import { hasErrorCode } from "../util/errors.js";
import { PRIVATE_FILE_MODE } from "../util/files.js";

/**
 * What names a task on a host. A host serves many callers — other repositories of this server,
 * other codexmcp homes on this machine, other machines — while its task ids, tmux sessions,
 * worktrees and mirrors are host-wide. So every name there carries the caller: this home's
 * origin id (random, made once) and the repository, hashed. Two callers' `implement-x-v1` never
 * meet on a host.
 */

const ORIGIN_FILE = "origin-id";

/** This home's random id (16 bytes, hex), made on first use. */
export async function originId(home: string): Promise<string> {
  const file = path.join(home, ORIGIN_FILE);
  const read = async () => (await fsp.readFile(file, "utf8")).trim();
  try {
    const id = await read();
    if (/^[0-9a-f]{32}$/.test(id)) return id;
  } catch (err) {
    if (!hasErrorCode(err, "ENOENT")) throw err;
  }
  const id = randomBytes(16).toString("hex");
  try {
    // wx: two servers making it at once agree on the first one written.
    await fsp.writeFile(file, `${id}\n`, { mode: PRIVATE_FILE_MODE, flag: "wx" });
    return id;
  } catch (err) {
    if (!hasErrorCode(err, "EEXIST")) throw err;
    return read();
  }
}

function sha256(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex");
}

/** The repository's id on hosts (its bare mirror there): this home and its common git dir. */
export function remoteRepoId(origin: string, commonDir: string): string {
  return sha256(origin, commonDir).slice(0, 32);
}

/** Longest description kept before the caller's mark (topics allow 64 characters). */
const DESC_KEPT = 55;

/**
 * The topic on the host: the description gets `_<8 hex>` of (repository id, stem), so versions of
 * one topic stay together there (one worktree, one branch) and nobody else's come near them.
 */
export function remoteTopic(topic: Topic, repoId: string): Topic {
  const mark = sha256(repoId, topic.stem).slice(0, 8);
  const desc = `${topic.desc.slice(0, DESC_KEPT)}_${mark}`;
  return parseTopic(`${topic.type}-${desc}-v${topic.version}`, [topic.type]);
}
