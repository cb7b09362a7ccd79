import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A login link works once, for this long. */
export const LOGIN_TTL_MS = 15 * 60 * 1000;
/** A browser stays logged in for this long (a working day). */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * The key login links and session cookies are signed with. Derived from the HTTP bearer token, so
 * whoever holds the token (the user: `$CODEXMCP_HOME/http-token`) can make a login link for a
 * running server without talking to it, and rotating the token logs every browser out. A server
 * without a token (`--no-auth`) signs with a key of its own that lives as long as the process.
 */
export function boardKey(bearer: string | undefined): Buffer {
  if (!bearer) return randomBytes(32);
  return createHash("sha256").update("codexmcp web board\0").update(bearer).digest();
}

function mac(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text).digest("base64url");
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `<kind>.<expiry ms>.<nonce>.<mac>`: what a signed value says, once its signature checks. */
function sign(key: Buffer, kind: "login" | "session", expires: number): string {
  const body = `${kind}.${expires}.${randomBytes(18).toString("base64url")}`;
  return `${body}.${mac(key, body)}`;
}

function verify(
  key: Buffer,
  kind: "login" | "session",
  value: string,
  now: number,
): { nonce: string; expires: number } | undefined {
  const parts = value.split(".");
  if (parts.length !== 4 || parts[0] !== kind) return undefined;
  const [, exp = "", nonce = "", given = ""] = parts;
  if (!sameText(given, mac(key, `${kind}.${exp}.${nonce}`))) return undefined;
  const expires = Number(exp);
  if (!Number.isSafeInteger(expires) || expires <= now) return undefined;
  return { nonce, expires };
}

/** A login link's token, valid once for LOGIN_TTL_MS. */
export function mintLoginToken(key: Buffer, now = Date.now()): string {
  return sign(key, "login", now + LOGIN_TTL_MS);
}

/**
 * Login links and browser sessions of one server. A link is exchanged once for a session cookie
 * (HttpOnly, SameSite=Strict); nonces of links already used are remembered until they expire.
 */
export class BoardAuth {
  private readonly used = new Map<string, number>();

  constructor(private readonly key: Buffer) {}

  mintLogin(now = Date.now()): string {
    return mintLoginToken(this.key, now);
  }

  /** Whether the token is a valid, unused login link's; it is used up by this call. */
  redeemLogin(token: string, now = Date.now()): "ok" | "used" | "invalid" {
    const ok = verify(this.key, "login", token, now);
    if (!ok) return "invalid";
    for (const [nonce, expires] of this.used) if (expires <= now) this.used.delete(nonce);
    if (this.used.has(ok.nonce)) return "used";
    this.used.set(ok.nonce, ok.expires);
    return "ok";
  }

  mintSession(now = Date.now()): string {
    return sign(this.key, "session", now + SESSION_TTL_MS);
  }

  validSession(value: string | undefined, now = Date.now()): boolean {
    return value !== undefined && verify(this.key, "session", value, now) !== undefined;
  }
}

/**
 * Cookies are not kept apart by port: every server on 127.0.0.1 sees the same jar. Each server's
 * cookie is named after its port so two codexmcp servers (two homes) do not log each other out.
 */
export function cookieName(port: number | undefined): string {
  return `codexmcp_board_${port ?? "socket"}`;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(name: string, value: string): string {
  return `${name}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`;
}
