// OAuth 2.0 client credentials (RFC 6749 §4.4) for the crypto payments API: the admin side (clients),
// the token endpoint with its RFC 6749 §5.2 errors, and the bearer tokens on the data endpoints.
import { env } from "cloudflare:test";
import { decode, sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../src/lib/crypto";
import {
  accessToken,
  basic,
  bearer,
  createClient,
  createPayment,
  createPaymentOk,
  form,
  listPayments,
  merchant,
  paymentStatus,
  tokenRequest,
} from "./crypto-helpers";
import {
  ADMIN,
  adminCall,
  assertStatus,
  callRouteUnchecked,
  createAccount,
  createWorkspace,
  expectStatus,
  query,
  routes,
  sql,
} from "./helpers";
import { openApiDocument } from "./openapi-doc";

const CC = { grant_type: "client_credentials" };
const { createOAuthClient, revokeOAuthClient } = routes.oauthClients;
/** The admin client requests with a body or ids sent as given (refusal tests), with `headers`. */
const createClientUnchecked = (workspace_id: string, body: unknown, headers: Record<string, string>) =>
  callRouteUnchecked(createOAuthClient, { params: { workspace_id }, body }, headers);

describe("POST /admin/v1/workspaces/{id}/oauth-clients", () => {
  it("creates a client and shows its secret once, storing only its SHA-256", async () => {
    const ws = await createWorkspace();
    const res = await adminCall(createOAuthClient, {
      params: { workspace_id: ws.id },
      json: { name: "Shop", scopes: ["read", "write"] },
    });
    assertStatus(res, 201);
    expect(Object.keys(res.json).sort()).toEqual(["client_id", "client_secret"]);
    expect(res.json.client_id).toMatch(/^ci_[0-9A-Za-z]{24}$/);
    expect(res.json.client_secret).toMatch(/^cs_[0-9A-Za-z]{40}$/);
    const rows = await query<{ secret_hash: string; scopes: string[]; workspace_id: string }>(
      sql`SELECT secret_hash, scopes, workspace_id::text AS workspace_id FROM oauth_clients WHERE client_id = ${res.json.client_id}`,
    );
    expect(rows).toEqual([
      { secret_hash: await sha256Hex(res.json.client_secret), scopes: ["read", "write"], workspace_id: ws.id },
    ]);
  });

  it("answers 404 for an unknown workspace and 400 for bad scopes or names", async () => {
    const ws = await createWorkspace();
    const unknown = await adminCall(createOAuthClient, {
      params: { workspace_id: crypto.randomUUID() },
      json: { name: "x", scopes: ["read"] },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ error: { code: "not_found", message: "Workspace not found" } });
    for (const body of [
      { name: "x", scopes: ["admin"] },
      { name: "x", scopes: [] },
      { name: "x", scopes: ["read", "read"] },
      { name: "x", scopes: "read" },
      { name: "", scopes: ["read"] },
      { scopes: ["read"] },
      { name: "x", scopes: ["read"], extra: 1 },
    ]) {
      const res = await createClientUnchecked(ws.id, body, ADMIN);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(expectStatus(res, 400).error.code).toBe("bad_request");
    }
    const badId = await createClientUnchecked("not-a-uuid", { name: "x", scopes: ["read"] }, ADMIN);
    expect(badId.status).toBe(400);
  });

  it("requires the admin token", async () => {
    const ws = await createWorkspace();
    const res = await createClientUnchecked(ws.id, { name: "x", scopes: ["read"] }, {});
    expect(expectStatus(res, 401).error.code).toBe("unauthorized");
    const revoke = await callRouteUnchecked(revokeOAuthClient, { params: { workspace_id: ws.id, client_id: "ci_x" } });
    expect(revoke.status).toBe(401);
  });
});

describe("POST /oauth/token", () => {
  it("issues a bearer token with HTTP Basic client authentication", async () => {
    const ws = await createWorkspace();
    const client = await createClient(ws.id);
    const res = await tokenRequest(form(CC), { authorization: basic(client.client_id, client.client_secret) });
    assertStatus(res, 200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("pragma")).toBe("no-cache");
    expect(res.json).toEqual({
      access_token: expect.any(String),
      token_type: "Bearer",
      expires_in: 3600,
      scope: "read write",
    });
    const { header, payload } = decode(res.json.access_token);
    expect(header.alg).toBe("HS256");
    const [row] = await query<{ id: string }>(
      sql`SELECT id::text AS id FROM oauth_clients WHERE client_id = ${client.client_id}`,
    );
    expect(payload).toMatchObject({ sub: row?.id, ws: ws.id, scope: "read write" });
    expect(typeof payload.exp).toBe("number");
    expect(Number(payload.exp) - Number(payload.iat)).toBe(3600);
  });

  it("accepts client_id and client_secret in the body, and a subset of the client's scopes", async () => {
    const ws = await createWorkspace();
    const client = await createClient(ws.id);
    const res = await tokenRequest(
      form({ ...CC, client_id: client.client_id, client_secret: client.client_secret, scope: "write read" }),
    );
    assertStatus(res, 200);
    expect(res.json.scope).toBe("read write");
    const narrow = await tokenRequest(
      form({ ...CC, client_id: client.client_id, client_secret: client.client_secret, scope: "read" }),
    );
    assertStatus(narrow, 200);
    expect(narrow.json.scope).toBe("read");
    expect(decode(narrow.json.access_token).payload.scope).toBe("read");
  });

  it("grants a client all of its own scopes by default, and no more", async () => {
    const ws = await createWorkspace();
    const readOnly = await createClient(ws.id, ["read"]);
    const res = await tokenRequest(form(CC), { authorization: basic(readOnly.client_id, readOnly.client_secret) });
    assertStatus(res, 200);
    expect(res.json.scope).toBe("read");
    const more = await tokenRequest(form({ ...CC, scope: "read write" }), {
      authorization: basic(readOnly.client_id, readOnly.client_secret),
    });
    expect(more.status).toBe(400);
    expect(more.json).toEqual({
      error: "invalid_scope",
      error_description: "Scope not allowed for this client: write",
    });
  });

  it("answers invalid_scope for unknown or malformed scopes", async () => {
    const ws = await createWorkspace();
    const client = await createClient(ws.id);
    const auth = { authorization: basic(client.client_id, client.client_secret) };
    for (const scope of ["admin", "read  write", "", "read,write"]) {
      const res = await tokenRequest(form({ ...CC, scope }), auth);
      expect(res.status, scope).toBe(400);
      assertStatus(res, 400);
      expect(res.json.error, scope).toBe("invalid_scope");
    }
  });

  it("answers 401 invalid_client with a Basic challenge for a wrong secret sent by HTTP Basic", async () => {
    const ws = await createWorkspace();
    const client = await createClient(ws.id);
    const res = await tokenRequest(form(CC), { authorization: basic(client.client_id, "cs_wrong") });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="oauth"');
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.json).toEqual({
      error: "invalid_client",
      error_description: "Client authentication failed: unknown client or wrong secret",
    });
    const malformed = await tokenRequest(form(CC), { authorization: "Basic !!!" });
    assertStatus(malformed, 401);
    expect(malformed.json.error).toBe("invalid_client");
    expect(malformed.headers.get("www-authenticate")).toBe('Basic realm="oauth"');
  });

  it("answers 401 invalid_client without a challenge for wrong or missing body credentials", async () => {
    const ws = await createWorkspace();
    const client = await createClient(ws.id);
    const cases: Record<string, string>[] = [
      { client_id: client.client_id, client_secret: "cs_wrong" },
      { client_id: "ci_unknown", client_secret: client.client_secret },
      { client_id: client.client_id },
      {},
    ];
    for (const fields of cases) {
      const res = await tokenRequest(form({ ...CC, ...fields }));
      expect(res.status, JSON.stringify(fields)).toBe(401);
      assertStatus(res, 401);
      expect(res.json.error).toBe("invalid_client");
      expect(res.headers.get("www-authenticate")).toBeNull();
    }
  });

  it("refuses two client authentication methods in one request", async () => {
    const ws = await createWorkspace();
    const client = await createClient(ws.id);
    const res = await tokenRequest(form({ ...CC, client_id: client.client_id, client_secret: client.client_secret }), {
      authorization: basic(client.client_id, client.client_secret),
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: "invalid_request",
      error_description: "Use one client authentication method: HTTP Basic or the body",
    });
  });

  it("answers unsupported_grant_type, and invalid_request for a missing grant_type or a body that is not a form", async () => {
    const ws = await createWorkspace();
    const client = await createClient(ws.id);
    const auth = { authorization: basic(client.client_id, client.client_secret) };
    const password = await tokenRequest(form({ grant_type: "password", username: "a", password: "b" }), auth);
    expect(password.status).toBe(400);
    expect(password.json).toEqual({
      error: "unsupported_grant_type",
      error_description: "Unsupported grant_type: password",
    });

    const missing = await tokenRequest(form({}), auth);
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ error: "invalid_request", error_description: "grant_type: grant_type is required" });

    const repeated = await tokenRequest("grant_type=client_credentials&grant_type=client_credentials", auth);
    assertStatus(repeated, 400);
    expect(repeated.json.error).toBe("invalid_request");

    const asJson = await callRouteUnchecked(routes.oauth.token, { body: CC }, auth);
    expect(expectStatus(asJson, 400).error).toBe("invalid_request");
    expect(asJson.headers.get("cache-control")).toBe("no-store");
  });

  it("ignores unknown form parameters", async () => {
    const ws = await createWorkspace();
    const client = await createClient(ws.id);
    const res = await tokenRequest(form({ ...CC, audience: "x" }), {
      authorization: basic(client.client_id, client.client_secret),
    });
    expect(res.status).toBe(200);
  });
});

describe("bearer tokens on the crypto payments API", () => {
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (ws: string, sub: string, extra: Record<string, unknown> = {}) => ({
    iss: "payments-edge",
    aud: "payments-edge:crypto-payments",
    sub,
    ws,
    scope: "read write",
    iat: now(),
    exp: now() + 3600,
    ...extra,
  });
  const clientUuid = async (clientId: string) =>
    (await query<{ id: string }>(sql`SELECT id::text AS id FROM oauth_clients WHERE client_id = ${clientId}`))[0]!.id;

  it("answers 401 not_authenticated without a token, with a malformed one, or another scheme", async () => {
    const cases: Record<string, string>[] = [
      {},
      { authorization: "Bearer" },
      { authorization: "Bearer not.a.jwt" },
      { authorization: "Basic abc" },
    ];
    for (const headers of cases) {
      const res = await callRouteUnchecked(routes.cryptoPayments.listPayments, {}, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(expectStatus(res, 401).error.code).toBe("not_authenticated");
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="payments"/);
    }
    const none = await listPayments(undefined);
    expect(none.json).toEqual({
      error: { code: "not_authenticated", message: "Authentication credentials were not provided." },
    });
  });

  it("refuses a token signed with another secret, an expired one, one without exp, and one for another audience", async () => {
    const m = await merchant();
    const sub = await clientUuid(m.client.client_id);
    const forged = await sign(claims(m.workspace.id, sub), "not-the-secret", "HS256");
    const expired = await sign(
      claims(m.workspace.id, sub, { iat: now() - 7200, exp: now() - 3600 }),
      env.OAUTH_TOKEN_SECRET,
      "HS256",
    );
    const otherAudience = await sign(
      claims(m.workspace.id, sub, { aud: "workspace-api" }),
      env.OAUTH_TOKEN_SECRET,
      "HS256",
    );
    const { exp: _, ...neverExpires } = claims(m.workspace.id, sub);
    const withoutExp = await sign(neverExpires, env.OAUTH_TOKEN_SECRET, "HS256");
    const good = await sign(claims(m.workspace.id, sub), env.OAUTH_TOKEN_SECRET, "HS256");
    for (const token of [forged, expired, withoutExp, otherAudience]) {
      const res = await listPayments(token);
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: { code: "not_authenticated", message: "Invalid or expired access token." } });
    }
    expect((await listPayments(good)).status).toBe(200);
  });

  it("checks scopes: read lists and reads, write creates, neither does the other", async () => {
    const ws = await createWorkspace();
    await createAccount(ws.id, { currency: "USD" });
    const client = await createClient(ws.id);
    const read = await accessToken(client, "read");
    const write = await accessToken(client, "write");

    const created = await createPayment(write, { amount_usd: "10.00", currency: "USDTTRC20", order_id: "A-1" });
    assertStatus(created, 201);
    const denied = await createPayment(read, { amount_usd: "10.00", currency: "USDTTRC20", order_id: "A-2" });
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual({
      error: { code: "permission_denied", message: "This action requires the 'write' scope." },
    });

    expect((await listPayments(read)).status).toBe(200);
    const listDenied = await listPayments(write);
    assertStatus(listDenied, 403);
    expect(listDenied.json.error.code).toBe("permission_denied");
    expect((await paymentStatus(read, { transaction_id: created.json.transaction_id })).status).toBe(200);
    expect((await paymentStatus(write, { transaction_id: created.json.transaction_id })).status).toBe(403);
  });

  it("stops a revoked client: no new token, and its outstanding token reads and writes nothing", async () => {
    const m = await merchant();
    const payment = await createPaymentOk(m.token);
    const revoke = await adminCall(revokeOAuthClient, {
      params: { workspace_id: m.workspace.id, client_id: m.client.client_id },
    });
    expect(revoke.status).toBe(204);

    const token = await tokenRequest(form(CC), { authorization: basic(m.client.client_id, m.client.client_secret) });
    assertStatus(token, 401);
    expect(token.json.error).toBe("invalid_client");

    const list = await listPayments(m.token);
    assertStatus(list, 401);
    expect(list.json.error.code).toBe("not_authenticated");
    expect((await paymentStatus(m.token, { transaction_id: payment.transaction_id })).status).toBe(401);
    const create = await createPayment(m.token, { amount_usd: 1, currency: "USDTTRC20", order_id: "after-revoke" });
    expect(create.status).toBe(401);
    const rows = await query(sql`SELECT 1 FROM crypto_payments WHERE order_id = 'after-revoke'
      AND workspace_id = ${m.workspace.id}`);
    expect(rows).toEqual([]);
  });

  it("revokes only within the client's workspace", async () => {
    const m = await merchant();
    const other = await createWorkspace();
    const res = await adminCall(revokeOAuthClient, {
      params: { workspace_id: other.id, client_id: m.client.client_id },
    });
    expect(res.status).toBe(404);
    expect((await listPayments(m.token)).status).toBe(200);
  });

  it("documents the token endpoint and the crypto routes in the OpenAPI document", async () => {
    const doc = await openApiDocument();
    for (const path of [
      "/oauth/token",
      "/payments/",
      "/payments/status/",
      "/webhooks/crypto",
      "/admin/v1/workspaces/{workspace_id}/oauth-clients",
      "/admin/v1/workspaces/{workspace_id}/webhook-deliveries",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.securitySchemes.oauth2?.flows?.clientCredentials?.tokenUrl).toBe("/oauth/token");
  });
});

describe("bearer header", () => {
  it("is case-insensitive in its scheme", async () => {
    const m = await merchant();
    const res = await callRouteUnchecked(
      routes.cryptoPayments.listPayments,
      {},
      { authorization: `bearer ${m.token}` },
    );
    expect(res.status).toBe(200);
    expect(bearer("x")).toEqual({ authorization: "Bearer x" });
  });
});
