// The back office's session: a signed (HS256), expiring cookie set after sign-in with the admin token.
// The signing key is derived from ADMIN_TOKEN, so rotating the token signs every session out and the
// portal needs no secret of its own. Stateless: sign-out clears the cookie in that browser.
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { sign, verify } from "hono/jwt";
import type { AppEnv } from "../env";
import { hmacSha256Key, toHex } from "../lib/crypto";

export const SESSION_COOKIE = "portal_session";
/** How long a session lasts after sign-in. */
export const SESSION_TTL_SECONDS = 8 * 3600;
const AUDIENCE = "payments-edge-portal";

const encoder = new TextEncoder();

/**
 * What a session token must claim: this portal, when it was made and when it ends, at most
 * SESSION_TTL_SECONDS apart (hono's verify checks exp only when a token has one).
 */
const SessionClaims = z
  .object({ aud: z.literal(AUDIENCE), iat: z.number().int(), exp: z.number().int() })
  .refine((claims) => claims.exp > claims.iat && claims.exp - claims.iat <= SESSION_TTL_SECONDS);

/** HMAC-SHA256(ADMIN_TOKEN, purpose) as hex: the session signing key (exported for the tests' forged sessions). */
export async function sessionKey(adminToken: string): Promise<string> {
  const key = await hmacSha256Key(adminToken);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode("portal session signing key v1"));
  return toHex(new Uint8Array(mac));
}

const isLocalHost = (url: string) => ["localhost", "127.0.0.1", "[::1]"].includes(new URL(url).hostname);

/** A new session token (signed with the key of `adminToken`), valid for SESSION_TTL_SECONDS from `now`. */
export async function newSessionToken(adminToken: string, now = Date.now()) {
  const iat = Math.floor(now / 1000);
  return sign({ aud: AUDIENCE, iat, exp: iat + SESSION_TTL_SECONDS }, await sessionKey(adminToken), "HS256");
}

export function setSessionCookie(c: Context<AppEnv>, token: string) {
  setCookie(c, SESSION_COOKIE, token, {
    path: "/portal",
    httpOnly: true,
    sameSite: "Strict",
    secure: !isLocalHost(c.req.url),
    maxAge: SESSION_TTL_SECONDS,
  });
}

export function clearSessionCookie(c: Context<AppEnv>) {
  deleteCookie(c, SESSION_COOKIE, { path: "/portal", secure: !isLocalHost(c.req.url) });
}

/** Whether the request carries a session signed with the current admin token's key and not expired. */
export async function hasSession(c: Context<AppEnv>): Promise<boolean> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token || !c.env.ADMIN_TOKEN) return false;
  try {
    const claims = await verify(token, await sessionKey(c.env.ADMIN_TOKEN), "HS256");
    return SessionClaims.safeParse(claims).success;
  } catch {
    return false;
  }
}
