// OAuth 2.0 client credentials (RFC 6749 §4.4) for the crypto payments API (spec 004).
// Clients: a public client_id and a secret stored as SHA-256 only. Access tokens: HS256 JWTs signed with
// OAUTH_TOKEN_SECRET and verified at the edge without a database round trip. Revocation of a client is
// exact on every data-bearing answer: those queries re-check `revoked_at` in the same statement
// (`oauthClientActive`); a revoked client's token can only still reach answers that carry no data.
import type { MiddlewareHandler } from "hono";
import { sign, verify } from "hono/jwt";
import type { Database } from "../db/client";
import { OAUTH_SCOPES } from "../db/schema";
import type { AppEnv } from "../env";
import { hmacSha256Key, randomToken, sha256Hex, timingSafeEqualStrings } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { activeOAuthClient, type OAuthClientRow } from "./queries";
import { verifiedOnce } from "./verified-tokens";

export type OAuthScope = (typeof OAUTH_SCOPES)[number];

/** Lifetime of an access token, in seconds. */
export const ACCESS_TOKEN_TTL = 3600;

const ISSUER = "payments-edge";
const AUDIENCE = "payments-edge:crypto-payments";

export type OAuthPrincipal = {
  /** oauth_clients.id (uuid), the token's `sub`. */
  clientUuid: string;
  workspaceId: string;
  scopes: OAuthScope[];
};

export type OAuthEnv = AppEnv & { Variables: AppEnv["Variables"] & { oauth: OAuthPrincipal } };

export function newClientCredentials() {
  return { clientId: `ci_${randomToken(24)}`, clientSecret: `cs_${randomToken(40)}` };
}

export const hashClientSecret = (secret: string) => sha256Hex(secret);

// A fixed hash compared against when the client is unknown, so both paths do the same work.
const DUMMY_HASH = "0".repeat(64);

/** The active client these credentials authenticate, or null (unknown id, wrong secret, revoked). */
export async function authenticateClient(
  db: Database,
  clientId: string,
  clientSecret: string,
): Promise<Omit<OAuthClientRow, "secret_hash"> | null> {
  const row = await activeOAuthClient(db, clientId);
  const presented = await hashClientSecret(clientSecret);
  const matches = timingSafeEqualStrings(presented, row?.secret_hash ?? DUMMY_HASH);
  if (!row || !matches) return null;
  return { id: row.id, workspace_id: row.workspace_id, scopes: row.scopes };
}

export async function issueAccessToken(secret: string, client: { id: string; workspace_id: string }, scopes: string[]) {
  const iat = Math.floor(Date.now() / 1000);
  return sign(
    {
      iss: ISSUER,
      aud: AUDIENCE,
      sub: client.id,
      ws: client.workspace_id,
      scope: scopes.join(" "),
      iat,
      exp: iat + ACCESS_TOKEN_TTL,
    },
    await hmacSha256Key(secret),
    "HS256",
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Verifies an access token (signature, issuer, audience, expiry) and reads its principal; null if invalid. */
export function verifyAccessToken(secret: string, token: string): Promise<OAuthPrincipal | null> {
  return verifiedOnce("oauth", secret, token, async () => {
    let claims: Record<string, unknown>;
    try {
      claims = await verify(token, await hmacSha256Key(secret), { alg: "HS256", iss: ISSUER, aud: AUDIENCE });
    } catch {
      return null;
    }
    const { sub, ws, scope, exp } = claims;
    if (typeof sub !== "string" || !UUID.test(sub) || typeof ws !== "string" || !UUID.test(ws)) return null;
    if (typeof scope !== "string" || typeof exp !== "number") return null;
    const scopes = scope.split(" ").filter((s): s is OAuthScope => (OAUTH_SCOPES as readonly string[]).includes(s));
    return { claims: { clientUuid: sub, workspaceId: ws, scopes }, exp };
  });
}

/**
 * `Authorization: Bearer <access token>` with `scope`; stores the principal in `c.var.oauth`.
 * 401 for a missing, malformed, expired or forged token, 403 when the scope is missing.
 */
export function requireOAuth(scope: OAuthScope): MiddlewareHandler<OAuthEnv> {
  return async (c, next) => {
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(c.req.header("authorization") ?? "");
    if (!match?.[1]) {
      c.header("WWW-Authenticate", 'Bearer realm="payments"');
      throw new AppError("unauthorized", "Authentication credentials were not provided.");
    }
    const principal = await verifyAccessToken(c.env.OAUTH_TOKEN_SECRET, match[1]);
    if (!principal) {
      c.header("WWW-Authenticate", 'Bearer realm="payments", error="invalid_token"');
      throw new AppError("unauthorized", "Invalid or expired access token.");
    }
    if (!principal.scopes.includes(scope)) {
      c.header("WWW-Authenticate", `Bearer realm="payments", error="insufficient_scope", scope="${scope}"`);
      throw new AppError("forbidden", `This action requires the '${scope}' scope.`);
    }
    c.set("oauth", principal);
    await next();
  };
}

/** The 401 a data query answers when its client-revocation re-check failed. */
export const revokedClientError = () => new AppError("unauthorized", "Invalid or expired access token.");
