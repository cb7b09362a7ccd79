import { randomBytes } from "node:crypto";
import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import { hasErrorCode, UserError } from "../util/errors.js";
import { ensurePrivateDir, PRIVATE_FILE_MODE } from "../util/files.js";

/**
 * The bearer token of codexmcp's HTTP server: `$CODEXMCP_HOME/http-token`, 0600, made on first
 * use. Whoever holds it runs code as the user, so it is read only from a private file of ours,
 * and it never reaches a task (task-env.ts).
 */
export const HTTP_TOKEN_FILE = "http-token";

export function httpTokenPath(home: string): string {
  return path.join(home, HTTP_TOKEN_FILE);
}

/** The token, or undefined when none was made yet. Refuses a file others could read or swap. */
export async function readHttpToken(home: string): Promise<string | undefined> {
  const file = httpTokenPath(home);
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if (hasErrorCode(err, "ENOENT")) return undefined;
    if (hasErrorCode(err, "ELOOP"))
      throw new UserError(`${file} is a symbolic link; delete it and a new token is made on the next start.`);
    throw err;
  }
  try {
    const st = await handle.stat();
    const uid = process.getuid?.();
    if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
      throw new UserError(
        `${file} must be a file of yours that only you can read (mode 0600; it is ${(st.mode & 0o777).toString(8)}): anyone who read it can run code as you. Delete it — a new token is made on the next start — and update your clients (codexmcp install <client> --transport http).`,
      );
    }
    const token = (await handle.readFile("utf8")).trim();
    if (token.length < 32)
      throw new UserError(`${file} holds no usable token; delete it and a new one is made.`);
    return token;
  } finally {
    await handle.close();
  }
}

/** The token, made now (32 random bytes, hex) when there is none yet. */
export async function ensureHttpToken(home: string): Promise<string> {
  const existing = await readHttpToken(home);
  if (existing) return existing;
  await ensurePrivateDir(home);
  const token = randomBytes(32).toString("hex");
  // Complete before it is visible: written to a private temporary file, then linked in place.
  const tmp = `${httpTokenPath(home)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await fsp.open(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    PRIVATE_FILE_MODE,
  );
  try {
    // The mode given to open is masked by the umask; make sure of it.
    await handle.chmod(PRIVATE_FILE_MODE);
    await handle.writeFile(`${token}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fsp.link(tmp, httpTokenPath(home));
    return token;
  } catch (err) {
    // Another process made it first: use theirs.
    if (hasErrorCode(err, "EEXIST")) return (await readHttpToken(home)) as string;
    throw err;
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}
