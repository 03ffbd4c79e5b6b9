import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, call, createAccount, createKey, createWorkspace, ledgerInvariant } from "./helpers";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

describe("portal admin API: auth", () => {
  it("refuses requests without the admin token", async () => {
    const res = await call("POST", "/admin/v1/workspaces", { body: { name: "x" } });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("unauthorized");
  });
  it("refuses a wrong admin token", async () => {
    const res = await call("POST", "/admin/v1/workspaces", {
      headers: { authorization: "Bearer not-the-token" },
      body: { name: "x" },
    });
    expect(res.status).toBe(401);
  });
  it("refuses an API key in place of the admin token", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const key = await createKey(ws.id, { account_id: acct.id, permissions: ["payments.read"] });
    const res = await call("GET", "/admin/v1/gateway-status", { headers: { authorization: `Bearer ${key.key}` } });
    expect(res.status).toBe(401);
  });
});

describe("portal admin API: workspaces and accounts", () => {
  it("creates a workspace", async () => {
    const res = await admin("POST", "/workspaces", { name: "Acme SARL" });
    expect(res.status).toBe(201);
    expect(Object.keys(res.json).sort()).toEqual(["created_at", "id", "name"]);
    expect(res.json.name).toBe("Acme SARL");
    expect(new Date(res.json.created_at).toISOString()).toBe(res.json.created_at);
  });
  it("rejects a workspace without a name, naming the field", async () => {
    const res = await admin("POST", "/workspaces", {});
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain("name");
  });
  it("rejects malformed JSON with 400", async () => {
    const res = await admin("POST", "/workspaces", "{not json");
    expect(res.status).toBe(400);
  });
  it("creates an account, active by default, with a zero balance", async () => {
    const ws = await createWorkspace();
    const res = await admin("POST", `/workspaces/${ws.id}/accounts`, { currency: "EUR" });
    expect(res.status).toBe(201);
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
    expect((await admin("POST", `/workspaces/${ws.id}/accounts`, { currency: "euro" })).status).toBe(400);
    const res = await admin("POST", `/workspaces/${ws.id}/accounts`, { currency: "EUR", status: "suspended" });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain("status");
  });
  it("refuses an overdraft limit that is negative or finer than the currency's minor unit", async () => {
    const ws = await createWorkspace();
    for (const [currency, overdraft_limit] of [
      ["EUR", "-1"],
      ["EUR", "0.00001"],
      ["JPY", "0.5"],
    ]) {
      const res = await admin("POST", `/workspaces/${ws.id}/accounts`, { currency, overdraft_limit });
      expect(res.status, `${currency} ${overdraft_limit}`).toBe(400);
      expect(res.json.error.message).toContain("overdraft_limit");
    }
    const ok = await admin("POST", `/workspaces/${ws.id}/accounts`, { currency: "EUR", overdraft_limit: "20.50" });
    expect(ok.json.overdraft_limit).toBe(20.5);
  });
  it("refuses text the ledger cannot store, and dates out of range, with 400", async () => {
    expect((await admin("POST", "/workspaces", { name: "nul\u0000byte" })).status).toBe(400);
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const res = await admin("POST", `/accounts/${acct.id}/entries`, {
      source: "sms_gateway",
      type: "deposit",
      amount: 1,
      description: "old",
      occurred_at: "0000-06-01T00:00:00Z",
    });
    expect(res.status).toBe(400);
    expect((await ledgerInvariant(acct.id)).count).toBe(0);
  });
  it("answers 404 for an unknown workspace and 400 for a malformed id", async () => {
    expect((await admin("POST", `/workspaces/${UNKNOWN}/accounts`, { currency: "EUR" })).status).toBe(404);
    expect((await admin("POST", "/workspaces/not-a-uuid/accounts", { currency: "EUR" })).status).toBe(400);
  });
  it("patches an account's status and mirrors it to KV at once", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id, { currency: "EUR", status: "setup" });
    const res = await admin("PATCH", `/accounts/${acct.id}`, { status: "active" });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe("active");
    expect(await env.EDGE_KV.get(`account:${acct.id}`, "json")).toMatchObject({ status: "active" });
    expect((await admin("PATCH", `/accounts/${UNKNOWN}`, { status: "active" })).status).toBe(404);
    expect((await admin("PATCH", `/accounts/${acct.id}`, { status: "closed" })).status).toBe(400);
  });
});

describe("portal admin API: API keys", () => {
  it("creates a key shown once, stored only as a hash", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const res = await admin("POST", `/workspaces/${ws.id}/api-keys`, {
      account_id: acct.id,
      permissions: ["payments.read", "balance.read"],
      mode: "live",
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.json).sort()).toEqual(["id", "key", "permissions", "prefix"]);
    expect(res.json.key).toMatch(/^sk_live_[0-9A-Za-z]{32}$/);
    expect(res.json.key.startsWith(res.json.prefix)).toBe(true);
    const { query, sql } = await import("./helpers");
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
    expect((await admin("POST", `/workspaces/${ws.id}/api-keys`, { permissions: ["root"] })).status).toBe(400);
    const res = await admin("POST", `/workspaces/${ws.id}/api-keys`, {
      account_id: otherAcct.id,
      permissions: ["payments.read"],
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain("account_id");
  });
  it("revokes a key: 204, then 404 for an unknown id", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const key = await createKey(ws.id, { account_id: acct.id, permissions: ["balance.read"] });
    const before = await call("GET", "/api/v1/user/balance", { headers: { "x-api-key": key.key } });
    expect(before.status).toBe(200);
    expect((await admin("DELETE", `/api-keys/${key.id}`)).status).toBe(204);
    const after = await call("GET", "/api/v1/user/balance", { headers: { "x-api-key": key.key } });
    expect(after.status).toBe(401);
    expect((await admin("DELETE", `/api-keys/${key.id}`)).status).toBe(204);
    expect((await admin("DELETE", `/api-keys/${UNKNOWN}`)).status).toBe(404);
  });
});

describe("portal admin API: ledger postings", () => {
  it("posts an adjustment from a string or a number, moving the balance with it", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const credit = await admin("POST", `/accounts/${acct.id}/adjustments`, { amount: 100, description: "credit" });
    expect(credit.status).toBe(201);
    expect(credit.json).toMatchObject({
      account_id: acct.id,
      amount: 100,
      currency: "EUR",
      source: "portal",
      type: "adjustment",
      description: "credit",
      balance_after: 100,
    });
    const debit = await admin("POST", `/accounts/${acct.id}/adjustments`, { amount: "-12.50", description: "fee" });
    expect(debit.status).toBe(201);
    expect(debit.json.amount).toBe(-12.5);
    expect(debit.json.balance_after).toBe(87.5);
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "87.5000", sum: "87.5000", count: 2 });
  });
  it("rejects zero, too many decimals, non-numbers and huge amounts, posting nothing", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    for (const amount of [0, "0.00", 1.234, "abc", "1e5", 1e15, "9999999999999", null, true]) {
      const res = await admin("POST", `/accounts/${acct.id}/adjustments`, { amount, description: "bad" });
      expect(res.status, `amount ${JSON.stringify(amount)}`).toBe(400);
      expect(res.json.error.message).toContain("amount");
    }
    expect((await ledgerInvariant(acct.id)).count).toBe(0);
  });
  it("replays an adjustment retried with the same Idempotency-Key", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const body = { amount: "5.00", description: "once" };
    const first = await admin("POST", `/accounts/${acct.id}/adjustments`, body, { "idempotency-key": "adj-1" });
    const second = await admin("POST", `/accounts/${acct.id}/adjustments`, body, { "idempotency-key": "adj-1" });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.json).toEqual(first.json);
    const changed = await admin(
      "POST",
      `/accounts/${acct.id}/adjustments`,
      { ...body, amount: "6.00" },
      {
        "idempotency-key": "adj-1",
      },
    );
    expect(changed.status).toBe(422);
    expect(await ledgerInvariant(acct.id)).toMatchObject({ count: 1, balance: "5.0000" });
  });
  it("imports gateway history with its own date and refuses a sign that contradicts the type", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const dep = await admin("POST", `/accounts/${acct.id}/entries`, {
      source: "sms_gateway",
      type: "deposit",
      amount: 500,
      description: "Wire transfer REF-2026-001",
      occurred_at: "2026-02-10T14:30:00Z",
    });
    expect(dep.status).toBe(201);
    expect(dep.json).toMatchObject({ source: "sms_gateway", type: "deposit", occurred_at: "2026-02-10T14:30:00.000Z" });
    const usage = await admin("POST", `/accounts/${acct.id}/entries`, {
      source: "sms_gateway",
      type: "usage",
      amount: -3.2,
      description: "SMS batch",
    });
    expect(usage.status).toBe(201);
    expect(usage.json.balance_after).toBe(496.8);
    for (const [type, amount] of [
      ["usage", 3],
      ["deposit", -3],
    ] as const) {
      const res = await admin("POST", `/accounts/${acct.id}/entries`, {
        source: "sms_gateway",
        type,
        amount,
        description: "x",
      });
      expect(res.status).toBe(400);
    }
    expect(
      (
        await admin("POST", `/accounts/${acct.id}/entries`, {
          source: "portal",
          type: "deposit",
          amount: 1,
          description: "x",
        })
      ).status,
    ).toBe(400);
    expect(await ledgerInvariant(acct.id)).toMatchObject({ count: 2, balance: "496.8000", sum: "496.8000" });
  });
  it("answers 404 for postings on an unknown account", async () => {
    expect((await admin("POST", `/accounts/${UNKNOWN}/adjustments`, { amount: 1, description: "x" })).status).toBe(404);
  });
  it("never lets ledger rows be updated or deleted", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const entry = await admin("POST", `/accounts/${acct.id}/adjustments`, { amount: 1, description: "x" });
    const { query, sql } = await import("./helpers");
    await expect(query(sql`UPDATE ledger_entries SET amount = 2 WHERE id = ${entry.json.id}`)).rejects.toSatisfy(
      (e: any) => /append-only/.test(String(e?.cause?.message ?? e)),
    );
    await expect(query(sql`DELETE FROM ledger_entries WHERE id = ${entry.json.id}`)).rejects.toSatisfy((e: any) =>
      /append-only/.test(String(e?.cause?.message ?? e)),
    );
  });
});

describe("portal admin API: gateway status", () => {
  it("stores the gateway status in KV and shows it", async () => {
    const put = await admin("PUT", "/gateway-status", { status: "partial" });
    expect(put.status).toBe(200);
    expect(put.json.status).toBe("partial");
    expect(new Date(put.json.updated_at).toISOString()).toBe(put.json.updated_at);
    const get = await admin("GET", "/gateway-status");
    expect(get.json.status).toBe("partial");
    expect((await admin("PUT", "/gateway-status", { status: "down" })).status).toBe(400);
    await admin("PUT", "/gateway-status", { status: "ok" });
  });
});

describe("service", () => {
  it("serves the OpenAPI document and the docs page", async () => {
    const doc = await call("GET", "/openapi.json");
    expect(doc.status).toBe(200);
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
      expect(doc.json.paths[path], path).toBeDefined();
    }
    const docs = await call("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(docs.text).toContain("/openapi.json");
  });
  it("answers unknown routes with a JSON 404", async () => {
    const res = await call("GET", "/nope");
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("not_found");
  });
});
