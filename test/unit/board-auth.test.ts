import { describe, expect, it } from "vitest";
import {
  BoardAuth,
  boardKey,
  cookieName,
  LOGIN_TTL_MS,
  mintLoginToken,
  readCookie,
  SESSION_TTL_MS,
  sessionCookie,
} from "../../src/server/ui/auth.js";

const TOKEN = "a".repeat(64);

describe("web board login links and sessions", () => {
  it("a link made from the bearer token (by any process that holds it) logs in once, until it expires", () => {
    const auth = new BoardAuth(boardKey(TOKEN));
    const now = Date.now();
    const link = mintLoginToken(boardKey(TOKEN), now);
    expect(auth.redeemLogin(link, now + 1000)).toBe("ok");
    expect(auth.redeemLogin(link, now + 2000)).toBe("used");
    const late = mintLoginToken(boardKey(TOKEN), now);
    expect(auth.redeemLogin(late, now + LOGIN_TTL_MS + 1)).toBe("invalid");
  });

  it("refuses links signed with another token, tampered with, or of the wrong kind", () => {
    const auth = new BoardAuth(boardKey(TOKEN));
    expect(auth.redeemLogin(mintLoginToken(boardKey("b".repeat(64))))).toBe("invalid");
    const link = auth.mintLogin();
    const [kind, exp, nonce, mac] = link.split(".");
    expect(auth.redeemLogin([kind, Number(exp) + 1_000_000, nonce, mac].join("."))).toBe("invalid");
    expect(auth.redeemLogin(`${link}x`)).toBe("invalid");
    expect(auth.redeemLogin("")).toBe("invalid");
    // A session cookie is not a login link, nor the other way round.
    expect(auth.redeemLogin(auth.mintSession())).toBe("invalid");
    expect(auth.validSession(auth.mintLogin())).toBe(false);
  });

  it("a session lasts SESSION_TTL_MS; a server without a token signs with a key of its own", () => {
    const auth = new BoardAuth(boardKey(TOKEN));
    const now = Date.now();
    const session = auth.mintSession(now);
    expect(auth.validSession(session, now + SESSION_TTL_MS - 1)).toBe(true);
    expect(auth.validSession(session, now + SESSION_TTL_MS + 1)).toBe(false);
    expect(
      new BoardAuth(boardKey(undefined)).validSession(new BoardAuth(boardKey(undefined)).mintSession()),
    ).toBe(false);
  });

  it("cookies are named per port and read exactly", () => {
    expect(cookieName(8766)).toBe("codexmcp_board_8766");
    const header = `other=1; ${cookieName(8766)}=abc.def; codexmcp_board_87660=zzz`;
    expect(readCookie(header, cookieName(8766))).toBe("abc.def");
    expect(readCookie(header, cookieName(1))).toBeUndefined();
    expect(sessionCookie("n", "v")).toBe(
      `n=v; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`,
    );
  });
});
