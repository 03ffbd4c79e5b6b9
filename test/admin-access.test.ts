// Sign-in through Cloudflare Access: the admin API takes a Cf-Access-Jwt-Assertion (no bearer token)
// verified against the team's JWKS (here the stand-in issuer): RS256, aud, expiry, a key set cached and
// fetched again once for an unknown kid; its email must name an enabled operator.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createOperator } from "./fixtures/operators";
import { adminCall, assertStatus, callRoute, expectStatus, routes } from "./helpers";

const issuer = () => env.ACCESS_TEAM_DOMAIN ?? "";
const AUD = () => env.ACCESS_AUD ?? "";

async function mint(path: string, body: Record<string, unknown>) {
  const res = await fetch(`${issuer()}${path}`, { method: "POST", body: JSON.stringify({ aud: AUD(), ...body }) });
  return ((await res.json()) as { token: string }).token;
}
const jwksFetches = async () =>
  ((await (await fetch(`${issuer()}/__stats`)).json()) as { jwks_fetches: number }).jwks_fetches;
const withAccess = (token: string) => callRoute(routes.overview.getOverview, {}, { "cf-access-jwt-assertion": token });

describe("Cloudflare Access sign-in", () => {
  it("accepts a valid assertion naming an operator, who then acts under their own name", async () => {
    const op = await createOperator("admin");
    const token = await mint("/__token", { email: op.email });
    expect((await withAccess(token)).status).toBe(200);
    const ws = await callRoute(
      routes.workspaces.createWorkspace,
      { json: { name: "via access" } },
      { "cf-access-jwt-assertion": token },
    );
    assertStatus(ws, 201);
    const trail = expectStatus(await adminCall(routes.audit.listAuditEvents, { query: { target: ws.json.id } }), 200);
    expect(trail.audit_events[0]!.actor).toEqual({ id: op.id, email: op.email });
  });

  it("refuses a bad signature, a wrong aud and an expired token with 401", async () => {
    const op = await createOperator("viewer");
    const cases = {
      "bad signature": await mint("/__token", { email: op.email, forge: true }),
      "wrong aud": await mint("/__token", { email: op.email, aud: "another-application" }),
      expired: await mint("/__token", { email: op.email, expires_in: -60 }),
      garbage: "not.a.jwt",
    };
    for (const [what, token] of Object.entries(cases)) {
      const res = await withAccess(token);
      expect(res.status, what).toBe(401);
      assertStatus(res, 401);
      expect(res.json.error, what).toEqual({ code: "unauthorized", message: "Invalid Cloudflare Access token" });
    }
  });

  it("fetches the key set again, once, for an unknown kid: a rotated key works, a never-published one does not", async () => {
    const op = await createOperator("viewer");
    expect((await withAccess(await mint("/__token", { email: op.email }))).status).toBe(200);
    await fetch(`${issuer()}/__rotate`, { method: "POST" });
    const rotated = await mint("/__token", { email: op.email });
    const before = await jwksFetches();
    expect((await withAccess(rotated)).status).toBe(200);
    expect(await jwksFetches()).toBe(before + 1);
    expect((await withAccess(rotated)).status).toBe(200); // cached now
    expect(await jwksFetches()).toBe(before + 1);
    const unpublished = await mint("/__unpublished_kid", { email: op.email });
    expect((await withAccess(unpublished)).status).toBe(401);
    expect(await jwksFetches()).toBe(before + 2);
  });

  it("refuses (403) an identity that is no operator, and a disabled operator", async () => {
    const stranger = await withAccess(await mint("/__token", { email: `nobody-${Date.now()}@ops.test` }));
    assertStatus(stranger, 403);
    expect(stranger.json.error.message).toBe("This Access identity is not an enabled operator");
    const op = await createOperator("viewer");
    const token = await mint("/__token", { email: op.email });
    expect((await withAccess(token)).status).toBe(200);
    expectStatus(await adminCall(routes.operators.disableOperator, { params: { id: op.id } }), 204);
    expect((await withAccess(token)).status).toBe(403);
  });
});
