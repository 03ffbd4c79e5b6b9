// Bearer tokens verified once per isolate. A client sends the same token (spec 003's member tokens, spec
// 004's access tokens) with every request until it expires, and verifying it (decode, HMAC, claims) was
// about a tenth of a list request's worker CPU (issue 22). The memo holds a token's checked claims for
// at most a minute, never past the token's own expiry (checked on every hit), and only for the secret
// that verified them: a rotated secret never finds them. Forged and expired tokens are not remembered.
// Revocation is unaffected: it is checked after this (token versions, client status) on every request.
import { IsolateMemo } from "../edge/isolate-memo";

const verified = new IsolateMemo(60_000);

type Verified<T> = { secret: string; claims: T; exp: number };

/**
 * `verify(token)`'s claims (null for an invalid token), from the memo when this token was verified
 * under this secret within the last minute and has not expired since.
 */
export async function verifiedOnce<T>(
  kind: "member" | "oauth",
  secret: string,
  token: string,
  verify: () => Promise<{ claims: T; exp: number } | null>,
): Promise<T | null> {
  const key = `${kind}:${token}`;
  const load = async (): Promise<Verified<T> | null> => {
    const result = await verify();
    return result ? { secret, ...result } : null;
  };
  let hit = await verified.get(key, load);
  if (hit && hit.secret !== secret) {
    verified.forget(key);
    hit = await verified.get(key, load);
  }
  if (!hit || hit.exp * 1000 <= Date.now()) return null;
  return hit.claims;
}
