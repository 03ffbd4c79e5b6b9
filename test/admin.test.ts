import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  ADMIN,
  adminCall,
  assertStatus,
  callRoute,
  callRouteUnchecked,
  createAccount,
  createKey,
  createWorkspace,
  expectStatus,
  ledgerInvariant,
  query,
  rawCall,
  routes,
  sql,
} from "./helpers";
import { openApiDocument } from "./openapi-doc";
import type { CallableRoute, UncheckedInput } from "./route-call";

const { accounts, apiKeys, entries, gateway, workspaces } = routes;
/** A request with the admin token and an input outside the route's schemas (refusal tests), sent as given. */
const adminUnchecked = <R extends CallableRoute>(
  route: R,
  input: UncheckedInput,
  headers: Record<string, string> = {},
) => callRouteUnchecked(route, input, { ...ADMIN, ...headers });
/** Refused by the ledger's triggers: the driver's error (or its cause) names the append-only rule. */
const appendOnly = (e: unknown) => {
  const cause = e instanceof Error ? e.cause : undefined;
  return /append-only/.test(cause instanceof Error ? cause.message : String(e));
};

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

describe("portal admin API: auth", () => {
  it("refuses requests without the admin token", async () => {
    const res = await callRoute(workspaces.createWorkspace, { json: { name: "x" } });
    expect(expectStatus(res, 401).error.code).toBe("unauthorized");
  });
  it("refuses a wrong admin token", async () => {
    const res = await callRoute(
      workspaces.createWorkspace,
      { json: { name: "x" } },
      { authorization: "Bearer not-the-token" },
    );
    expect(res.status).toBe(401);
  });
  it("refuses an API key in place of the admin token", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const key = await createKey(ws.id, { account_id: acct.id, permissions: ["payments.read"] });
    const res = await callRoute(gateway.getGatewayStatus, {}, { authorization: `Bearer ${key.key}` });
    expect(res.status).toBe(401);
  });
});

describe("portal admin API: workspaces and accounts", () => {
  it("creates a workspace", async () => {
    const res = await adminCall(workspaces.createWorkspace, { json: { name: "Acme SARL" } });
    assertStatus(res, 201);
    expect(Object.keys(res.json).sort()).toEqual(["created_at", "id", "name"]);
    expect(res.json.name).toBe("Acme SARL");
    expect(new Date(res.json.created_at).toISOString()).toBe(res.json.created_at);
  });
  it("rejects a workspace without a name, naming the field", async () => {
    const res = await adminUnchecked(workspaces.createWorkspace, { body: {} });
    expect(expectStatus(res, 400).error.message).toContain("name");
  });
  it("rejects malformed JSON with 400", async () => {
    const res = await adminUnchecked(workspaces.createWorkspace, { body: "{not json" });
    expect(res.status).toBe(400);
  });
  it("creates an account, active by default, with a zero balance", async () => {
    const ws = await createWorkspace();
    const res = await adminCall(accounts.createAccount, { params: { workspace_id: ws.id }, json: { currency: "EUR" } });
    assertStatus(res, 201);
    expect(res.json).toMatchObject({ workspace_id: ws.id, currency: "EUR", status: "active", balance: 0 });
    const kv = await env.EDGE_KV.get(`account:${res.json.id}`, "json");
    expect(kv).toEqual({ status: "active", currency: "EUR", workspace_id: ws.id });
  });
  it("creates an account in setup", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id, { currency: "XOF", status: "setup" });
    expect(acct.status).toBe("setup");
  });
  it("rejects a bad currency and an unknown status", async () => {
    const ws = await createWorkspace();
    const params = { workspace_id: ws.id };
    expect((await adminUnchecked(accounts.createAccount, { params, body: { currency: "euro" } })).status).toBe(400);
    const res = await adminUnchecked(accounts.createAccount, {
      params,
      body: { currency: "EUR", status: "suspended" },
    });
    expect(expectStatus(res, 400).error.message).toContain("status");
  });
  it("refuses an overdraft limit that is negative or finer than the currency's minor unit", async () => {
    const ws = await createWorkspace();
    const refused: [string, string][] = [
      ["EUR", "-1"],
      ["EUR", "0.00001"],
      ["JPY", "0.5"],
    ];
    for (const [currency, overdraft_limit] of refused) {
      const res = await adminCall(accounts.createAccount, {
        params: { workspace_id: ws.id },
        json: { currency, overdraft_limit },
      });
      expect(res.status, `${currency} ${overdraft_limit}`).toBe(400);
      expect(expectStatus(res, 400).error.message).toContain("overdraft_limit");
    }
    const ok = await adminCall(accounts.createAccount, {
      params: { workspace_id: ws.id },
      json: { currency: "EUR", overdraft_limit: "20.50" },
    });
    expect(expectStatus(ok, 201).overdraft_limit).toBe(20.5);
  });
  it("refuses text the ledger cannot store, and dates out of range, with 400", async () => {
    expect((await adminCall(workspaces.createWorkspace, { json: { name: "nul\u0000byte" } })).status).toBe(400);
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const res = await adminCall(entries.importEntry, {
      params: { account_id: acct.id },
      json: {
        source: "sms_gateway",
        type: "deposit",
        amount: 1,
        description: "old",
        occurred_at: "0000-06-01T00:00:00Z",
      },
    });
    expect(res.status).toBe(400);
    expect((await ledgerInvariant(acct.id)).count).toBe(0);
  });
  it("answers 404 for an unknown workspace and 400 for a malformed id", async () => {
    const unknown = await adminCall(accounts.createAccount, {
      params: { workspace_id: UNKNOWN },
      json: { currency: "EUR" },
    });
    expect(unknown.status).toBe(404);
    const malformed = await adminUnchecked(accounts.createAccount, {
      params: { workspace_id: "not-a-uuid" },
      body: { currency: "EUR" },
    });
    expect(malformed.status).toBe(400);
  });
  it("patches an account's status and mirrors it to KV at once", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id, { currency: "EUR", status: "setup" });
    const patch = (account_id: string, status: "setup" | "active") =>
      adminCall(accounts.updateAccountStatus, { params: { account_id }, json: { status } });
    const res = await patch(acct.id, "active");
    expect(expectStatus(res, 200).status).toBe("active");
    expect(await env.EDGE_KV.get(`account:${acct.id}`, "json")).toMatchObject({ status: "active" });
    expect((await patch(UNKNOWN, "active")).status).toBe(404);
    const closed = await adminUnchecked(accounts.updateAccountStatus, {
      params: { account_id: acct.id },
      body: { status: "closed" },
    });
    expect(closed.status).toBe(400);
  });
});

describe("portal admin API: API keys", () => {
  it("creates a key shown once, stored only as a hash", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const res = await adminCall(apiKeys.createApiKey, {
      params: { workspace_id: ws.id },
      json: { account_id: acct.id, permissions: ["payments.read", "balance.read"], mode: "live" },
    });
    assertStatus(res, 201);
    expect(Object.keys(res.json).sort()).toEqual(["id", "key", "permissions", "prefix"]);
    expect(res.json.key).toMatch(/^sk_live_[0-9A-Za-z]{32}$/);
    expect(res.json.key.startsWith(res.json.prefix)).toBe(true);
    const rows = await query<{ secret_hash: string }>(sql`SELECT secret_hash FROM api_keys WHERE id = ${res.json.id}`);
    expect(rows[0]?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.secret_hash).not.toContain(res.json.key);
  });
  it("defaults to test mode", async () => {
    const ws = await createWorkspace();
    const key = await createKey(ws.id, { permissions: ["transactions.read"] });
    expect(key.key).toMatch(/^sk_test_/);
  });
  it("rejects unknown permissions and an account of another workspace", async () => {
    const ws = await createWorkspace();
    const other = await createWorkspace();
    const otherAcct = await createAccount(other.id);
    const params = { workspace_id: ws.id };
    expect((await adminUnchecked(apiKeys.createApiKey, { params, body: { permissions: ["root"] } })).status).toBe(400);
    const res = await adminCall(apiKeys.createApiKey, {
      params,
      json: { account_id: otherAcct.id, permissions: ["payments.read"] },
    });
    expect(expectStatus(res, 400).error.message).toContain("account_id");
  });
  it("revokes a key: 204, then 404 for an unknown id", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const key = await createKey(ws.id, { account_id: acct.id, permissions: ["balance.read"] });
    const balance = () => callRoute(routes.userPayments.getBalance, {}, { "x-api-key": key.key });
    const revoke = (id: string) => adminCall(apiKeys.revokeApiKey, { params: { id } });
    expect((await balance()).status).toBe(200);
    expect((await revoke(key.id)).status).toBe(204);
    expect((await balance()).status).toBe(401);
    expect((await revoke(key.id)).status).toBe(204);
    expect((await revoke(UNKNOWN)).status).toBe(404);
  });
});

describe("portal admin API: ledger postings", () => {
  it("posts an adjustment from a string or a number, moving the balance with it", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const adjustment = (json: { amount: number | string; description: string }) =>
      adminCall(entries.createAdjustment, { params: { account_id: acct.id }, json });
    const credit = await adjustment({ amount: 100, description: "credit" });
    expect(expectStatus(credit, 201)).toMatchObject({
      account_id: acct.id,
      amount: 100,
      currency: "EUR",
      source: "portal",
      type: "adjustment",
      description: "credit",
      balance_after: 100,
    });
    const debit = expectStatus(await adjustment({ amount: "-12.50", description: "fee" }), 201);
    expect(debit.amount).toBe(-12.5);
    expect(debit.balance_after).toBe(87.5);
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "87.5000", sum: "87.5000", count: 2 });
  });
  it("rejects zero, too many decimals, non-numbers and huge amounts, posting nothing", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    for (const amount of [0, "0.00", 1.234, "abc", "1e5", 1e15, "9999999999999", null, true]) {
      const res = await adminUnchecked(entries.createAdjustment, {
        params: { account_id: acct.id },
        body: { amount, description: "bad" },
      });
      expect(res.status, `amount ${JSON.stringify(amount)}`).toBe(400);
      expect(expectStatus(res, 400).error.message).toContain("amount");
    }
    expect((await ledgerInvariant(acct.id)).count).toBe(0);
  });
  it("replays an adjustment retried with the same Idempotency-Key", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const body = { amount: "5.00", description: "once" };
    const post = (json: typeof body) =>
      adminCall(entries.createAdjustment, { params: { account_id: acct.id }, json }, { "idempotency-key": "adj-1" });
    const first = await post(body);
    const second = await post(body);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.json).toEqual(first.json);
    expect(expectStatus(await post({ ...body, amount: "6.00" }), 422)).toEqual({
      error: { code: "unprocessable", message: "Idempotency-Key was already used with a different request" },
    });
    expect(await ledgerInvariant(acct.id)).toMatchObject({ count: 1, balance: "5.0000" });
  });
  it("imports gateway history with its own date and refuses a sign that contradicts the type", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const post = (json: unknown) =>
      adminUnchecked(entries.importEntry, { params: { account_id: acct.id }, body: json });
    const dep = await post({
      source: "sms_gateway",
      type: "deposit",
      amount: 500,
      description: "Wire transfer REF-2026-001",
      occurred_at: "2026-02-10T14:30:00Z",
    });
    expect(expectStatus(dep, 201)).toMatchObject({
      source: "sms_gateway",
      type: "deposit",
      occurred_at: "2026-02-10T14:30:00.000Z",
    });
    const usage = await post({ source: "sms_gateway", type: "usage", amount: -3.2, description: "SMS batch" });
    expect(expectStatus(usage, 201).balance_after).toBe(496.8);
    for (const [type, amount] of [
      ["usage", 3],
      ["deposit", -3],
    ] as const) {
      const res = await post({ source: "sms_gateway", type, amount, description: "x" });
      expect(res.status).toBe(400);
    }
    expect((await post({ source: "portal", type: "deposit", amount: 1, description: "x" })).status).toBe(400);
    expect(await ledgerInvariant(acct.id)).toMatchObject({ count: 2, balance: "496.8000", sum: "496.8000" });
  });
  it("answers 404 for postings on an unknown account", async () => {
    const res = await adminCall(entries.createAdjustment, {
      params: { account_id: UNKNOWN },
      json: { amount: 1, description: "x" },
    });
    expect(res.status).toBe(404);
  });
  it("never lets ledger rows be updated or deleted", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const entry = expectStatus(
      await adminCall(entries.createAdjustment, {
        params: { account_id: acct.id },
        json: { amount: 1, description: "x" },
      }),
      201,
    );
    await expect(query(sql`UPDATE ledger_entries SET amount = 2 WHERE id = ${entry.id}`)).rejects.toSatisfy(appendOnly);
    await expect(query(sql`DELETE FROM ledger_entries WHERE id = ${entry.id}`)).rejects.toSatisfy(appendOnly);
  });
});

describe("portal admin API: gateway status", () => {
  it("stores the gateway status in KV and shows it", async () => {
    const put = expectStatus(await adminCall(gateway.putGatewayStatus, { json: { status: "partial" } }), 200);
    expect(put.status).toBe("partial");
    expect(new Date(put.updated_at).toISOString()).toBe(put.updated_at);
    expect(expectStatus(await adminCall(gateway.getGatewayStatus, {}), 200).status).toBe("partial");
    expect((await adminUnchecked(gateway.putGatewayStatus, { body: { status: "down" } })).status).toBe(400);
    expect((await adminCall(gateway.putGatewayStatus, { json: { status: "ok" } })).status).toBe(200);
  });
});

describe("service", () => {
  it("serves the OpenAPI document and the docs page", async () => {
    const doc = await openApiDocument();
    for (const path of [
      "/admin/v1/workspaces",
      "/api/v1/user/payments",
      "/api/v1/user/balance",
      "/api/paiements/api-key",
      "/v1/account/{accountId}/transactions",
      "/v1/account/{accountId}/transactions/add-funds",
      "/v1/account/{accountId}/transactions/record-usage",
      "/api/v1/workspace/{workspaceId}/sms/payments",
      "/payments/",
      "/payments/status/",
      "/oauth/token",
      "/webhooks/sms-gateway",
      "/webhooks/mobile-money",
      "/webhooks/crypto",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const docs = await rawCall("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(docs.text).toContain("/openapi.json");
  });
  it("answers unknown routes with a JSON 404", async () => {
    const res = await rawCall("GET", "/nope");
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: { code: "not_found" } });
  });
});
