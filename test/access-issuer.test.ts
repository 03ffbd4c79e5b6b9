// The stand-in Cloudflare Access issuer (scripts/lib/access-issuer.mjs) speaks Access's protocol: a JWKS
// of RS256 keys at /cdn-cgi/access/certs and tokens with iss, aud, email, sub, iat and exp, verifiable with
// nothing but that JWKS.
import { env } from "cloudflare:test";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";

const issuer = () => env.ACCESS_TEAM_DOMAIN ?? "";
const post = async (path: string, body: unknown = {}) =>
  (await fetch(`${issuer()}${path}`, { method: "POST", body: JSON.stringify(body) })).json() as Promise<{
    token: string;
    kid: string;
  }>;
const jwks = async () =>
  (await fetch(`${issuer()}/cdn-cgi/access/certs`)).json() as Promise<{
    keys: { kid: string; kty: string; alg: string }[];
  }>;

describe("stand-in Access issuer", () => {
  it("publishes RS256 public keys and signs tokens they verify, with Access's claims", async () => {
    const set = await jwks();
    expect(set.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of set.keys) expect(key).toMatchObject({ kty: "RSA", alg: "RS256" });
    expect(JSON.stringify(set)).not.toMatch(/"d":/); // no private parts
    const { token } = await post("/__token", { email: "ana@ops.test", aud: "the-aud", expires_in: 120 });
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(set), {
      issuer: issuer(),
      audience: "the-aud",
      algorithms: ["RS256"],
    });
    expect(protectedHeader.alg).toBe("RS256");
    expect(set.keys.map((k) => k.kid)).toContain(protectedHeader.kid);
    expect(payload).toMatchObject({ email: "ana@ops.test", iss: issuer(), aud: "the-aud", sub: "sub-ana@ops.test" });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(120);
  });

  it("forges a bad signature under a published kid, and rotates to a new published key", async () => {
    const forged = await post("/__token", { email: "x@ops.test", aud: "a", forge: true });
    const set = await jwks();
    await expect(jwtVerify(forged.token, createLocalJWKSet(set))).rejects.toThrow();
    const { kid } = await post("/__rotate");
    expect((await jwks()).keys.map((k) => k.kid)).toContain(kid);
    const next = await post("/__token", { email: "x@ops.test", aud: "a" });
    expect(decodeProtectedHeader(next.token).kid).toBe(kid);
  });
});
