// Cloudflare Access sign-in: the Cf-Access-Jwt-Assertion header verified against the team's JWKS with
// jose (RS256 only, the application's AUD tag, the team as issuer, expiry). The key set is cached per
// isolate and fetched again when a token names a kid it does not hold (at most once per token, and
// no more often than ACCESS_JWKS_COOLDOWN_SECONDS, default 30).
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { Bindings } from "../env";

export const ACCESS_HEADER = "cf-access-jwt-assertion";

const keySets = new Map<string, JWTVerifyGetKey>();

function keySet(teamDomain: string, cooldownSeconds: number): JWTVerifyGetKey {
  const url = `${teamDomain}/cdn-cgi/access/certs`;
  const id = `${url} ${cooldownSeconds}`;
  let keys = keySets.get(id);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(url), { cooldownDuration: cooldownSeconds * 1000, timeoutDuration: 5000 });
    keySets.set(id, keys);
  }
  return keys;
}

/** Access is configured when both the team domain and the application's AUD tag are set. */
export const accessConfigured = (env: Bindings) => Boolean(env.ACCESS_TEAM_DOMAIN && env.ACCESS_AUD);

/** The verified identity's email (lower-cased), or null for any token that does not verify. */
export async function verifyAccessToken(env: Bindings, token: string): Promise<string | null> {
  const teamDomain = env.ACCESS_TEAM_DOMAIN?.replace(/\/+$/, "");
  if (!teamDomain || !env.ACCESS_AUD) return null;
  const cooldown = Number(env.ACCESS_JWKS_COOLDOWN_SECONDS ?? 30);
  try {
    const { payload } = await jwtVerify(token, keySet(teamDomain, Number.isFinite(cooldown) ? cooldown : 30), {
      algorithms: ["RS256"],
      audience: env.ACCESS_AUD,
      issuer: teamDomain,
      requiredClaims: ["exp", "email"],
    });
    return typeof payload.email === "string" && payload.email ? payload.email.toLowerCase() : null;
  } catch {
    return null;
  }
}
