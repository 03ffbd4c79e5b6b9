// Issue 11: one database request per API request. The local Neon HTTP endpoint counts the requests it
// gets per tag, and the worker tags each with its request id (the X-Request-Id we send). Every route is
// called once to warm the edge caches (KV key metadata, account state), then counted.
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { edgeMemo } from "../src/edge/isolate-memo";
import { accessToken, createClient } from "./crypto-helpers";
import {
  adjust,
  adminCall,
  createAccount,
  createKey,
  createWorkspace,
  expectStatus,
  routes,
  setGateway,
} from "./helpers";
import { postSigned, statusEvent } from "./webhook-signing";

const statsUrl = env.LOCAL_NEON_HTTP_ENDPOINT!.replace(/\/sql$/, "/stats");

type Counts = { requests: number; statements: number; batches: number };

async function dbRequestsOf(send: (headers: Record<string, string>) => Promise<Response>) {
  const tag = `count-${crypto.randomUUID()}`;
  const res = await send({ "x-request-id": tag });
  const body = await res.text();
  const counts = (await (await fetch(`${statsUrl}?tag=${tag}`)).json()) as Counts;
  return { status: res.status, body, counts };
}

const request = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  SELF.fetch(`https://api.test${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Calls once to warm the edge caches, then again counted; asserts the status of both. */
async function counted(status: number, send: (headers: Record<string, string>) => Promise<Response>) {
  const warm = await send({});
  await warm.text();
  const result = await dbRequestsOf(send);
  expect(result.status, result.body).toBe(status);
  return result.counts;
}

let t: {
  workspaceId: string;
  accountId: string;
  key: string;
  memberToken: string;
  oauthToken: string;
  cryptoId: string;
};

beforeAll(async () => {
  await setGateway("ok");
  const ws = await createWorkspace("Counted");
  const acct = await createAccount(ws.id, { currency: "USD" });
  const key = await createKey(ws.id, {
    account_id: acct.id,
    permissions: ["payments.read", "payments.write", "balance.read", "transactions.read", "funds.write", "usage.write"],
  });
  const member = expectStatus(
    await adminCall(routes.members.createMember, {
      params: { workspace_id: ws.id },
      json: { email: "count@example.com", role: "owner" },
    }),
    201,
  );
  const token = expectStatus(
    await adminCall(routes.members.createMemberToken, { params: { member_id: member.id }, json: {} }),
    201,
  );
  const client = await createClient(ws.id, ["read", "write"]);
  const oauthToken = await accessToken(client);
  const created = await request(
    "POST",
    "/payments/",
    { authorization: `Bearer ${oauthToken}` },
    { amount_usd: "10.00", currency: "USDTTRC20", order_id: "COUNT-1" },
  );
  t = {
    workspaceId: ws.id,
    accountId: acct.id,
    key: key.key,
    memberToken: token.token,
    oauthToken,
    cryptoId: ((await created.json()) as { transaction_id: string }).transaction_id,
  };
  await adjust(acct.id, 1000, "float");
});

describe("database requests per API request (warm edge caches)", () => {
  const apiKey = () => ({ "x-api-key": t.key });

  it("spec 000: payments and balance read with one request each", async () => {
    expect((await counted(200, (h) => request("GET", "/api/v1/user/payments", { ...h, ...apiKey() }))).requests).toBe(
      1,
    );
    expect((await counted(200, (h) => request("GET", "/api/v1/user/balance", { ...h, ...apiKey() }))).requests).toBe(1);
  });

  it("spec 001: list and create (with an Idempotency-Key, and its replay) with one request each", async () => {
    expect((await counted(200, (h) => request("GET", "/api/paiements/api-key", { ...h, ...apiKey() }))).requests).toBe(
      1,
    );
    const body = { transaction_type: "PAYMENT", amount: 15 };
    const fresh = await dbRequestsOf((h) =>
      request("POST", "/api/paiements", { ...h, ...apiKey(), "idempotency-key": crypto.randomUUID() }, body),
    );
    expect(fresh.status, fresh.body).toBe(201);
    expect(fresh.counts.requests).toBe(1);
    const idem = crypto.randomUUID();
    await request("POST", "/api/paiements", { ...apiKey(), "idempotency-key": idem }, body);
    const replay = await dbRequestsOf((h) =>
      request("POST", "/api/paiements", { ...h, ...apiKey(), "idempotency-key": idem }, body),
    );
    expect(replay.status).toBe(201);
    expect(replay.counts.requests).toBe(1);
  });

  it("spec 001 webhook: a COMPLETE event is one request", async () => {
    const created = await request("POST", "/api/paiements", apiKey(), { transaction_type: "PAYMENT", amount: 5 });
    const { reference } = (await created.json()) as { reference: string };
    await postSigned(statusEvent(reference, "PENDING"));
    const tag = `count-${crypto.randomUUID()}`;
    const res = await postSigned(statusEvent(reference, "COMPLETE"), { headers: { "x-request-id": tag } });
    expect(res.status).toBe(200);
    const counts = (await (await fetch(`${statsUrl}?tag=${tag}`)).json()) as Counts;
    expect(counts.requests).toBe(1);
  });

  it("spec 002: list, add-funds and record-usage (idempotent) with one request each", async () => {
    const base = `/v1/account/${t.accountId}/transactions`;
    const key = { api_key: t.key };
    expect((await counted(200, (h) => request("GET", base, { ...h, ...key }))).requests).toBe(1);
    const add = await dbRequestsOf((h) =>
      request("POST", `${base}/add-funds`, { ...h, ...key, "idempotency-key": crypto.randomUUID() }, { amount: 5 }),
    );
    expect(add.status, add.body).toBe(200);
    expect(add.counts).toMatchObject({ requests: 1, batches: 1 });
    const usage = await dbRequestsOf((h) =>
      request(
        "POST",
        `${base}/record-usage`,
        { ...h, ...key, "idempotency-key": crypto.randomUUID() },
        { details: "sms", amount: 1.5, date: "2026-01-01 10:00:00" },
      ),
    );
    expect(usage.status, usage.body).toBe(200);
    expect(usage.counts.requests).toBe(1);
    const refused = await dbRequestsOf((h) =>
      request("POST", `${base}/record-usage`, { ...h, ...key }, { details: "sms", amount: 1e9, date: "2026-01-01" }),
    );
    expect(refused.status).toBe(400);
    expect(refused.counts.requests).toBe(1);
  });

  it("spec 002: a write makes one request when the account's edge state is in neither KV nor the isolate's memo", async () => {
    const acct = await createAccount(t.workspaceId, { currency: "USD" });
    // A workspace key (bound to no account) reaches the new account.
    const key = await createKey(t.workspaceId, { permissions: ["funds.write"] });
    await env.EDGE_KV.delete(`account:${acct.id}`);
    edgeMemo.forget(`account:${acct.id}`);
    const usage = await dbRequestsOf((h) =>
      request(
        "POST",
        `/v1/account/${acct.id}/transactions/add-funds`,
        { ...h, api_key: key.key, "idempotency-key": crypto.randomUUID() },
        { amount: 2 },
      ),
    );
    expect(usage.status, usage.body).toBe(200);
    expect(usage.counts).toMatchObject({ requests: 1, batches: 1 });
  });

  it("spec 003: list, record and delete with one request each", async () => {
    const base = `/api/v1/workspace/${t.workspaceId}/sms/payments`;
    const bearer = { authorization: `Bearer ${t.memberToken}` };
    expect((await counted(200, (h) => request("GET", base, { ...h, ...bearer }))).requests).toBe(1);
    const form = () => {
      const f = new FormData();
      f.set("amount", "12.50");
      f.set("paymentMethod", "cash");
      return f;
    };
    const recorded = await dbRequestsOf((h) =>
      SELF.fetch(`https://api.test${base}`, {
        method: "POST",
        headers: { ...h, ...bearer, "idempotency-key": crypto.randomUUID() },
        body: form(),
      }),
    );
    expect(recorded.status, recorded.body).toBe(201);
    expect(recorded.counts.requests).toBe(1);
    const { id } = JSON.parse(recorded.body) as { id: string };
    const deleted = await dbRequestsOf((h) => request("DELETE", `${base}/${id}`, { ...h, ...bearer }));
    expect(deleted.status).toBe(204);
    expect(deleted.counts.requests).toBe(1);
  });

  it("spec 004: list, status and create (idempotent) with one request each; a processor event is one", async () => {
    const bearer = { authorization: `Bearer ${t.oauthToken}` };
    expect((await counted(200, (h) => request("GET", "/payments/", { ...h, ...bearer }))).requests).toBe(1);
    expect(
      (
        await counted(200, (h) =>
          request("POST", "/payments/status/", { ...h, ...bearer }, { transaction_id: t.cryptoId }),
        )
      ).requests,
    ).toBe(1);
    const created = await dbRequestsOf((h) =>
      request(
        "POST",
        "/payments/",
        { ...h, ...bearer, "idempotency-key": crypto.randomUUID() },
        { amount_usd: "3.00", currency: "USDTTRC20", order_id: "COUNT-2" },
      ),
    );
    expect(created.status, created.body).toBe(201);
    expect(created.counts.requests).toBe(1);
  });

  it("admin: an idempotent adjustment and an imported entry are one request each", async () => {
    const adjustment = await dbRequestsOf((h) =>
      request(
        "POST",
        `/admin/v1/accounts/${t.accountId}/adjustments`,
        { ...h, authorization: `Bearer ${env.ADMIN_TOKEN}`, "idempotency-key": crypto.randomUUID() },
        { amount: "2.25", description: "counted" },
      ),
    );
    expect(adjustment.status, adjustment.body).toBe(201);
    expect(adjustment.counts.requests).toBe(1);
    const entry = await dbRequestsOf((h) =>
      request(
        "POST",
        `/admin/v1/accounts/${t.accountId}/entries`,
        { ...h, authorization: `Bearer ${env.ADMIN_TOKEN}` },
        { source: "sms_gateway", type: "deposit", amount: "1.00", description: "imported" },
      ),
    );
    expect(entry.status, entry.body).toBe(201);
    expect(entry.counts.requests).toBe(1);
  });

  it("admin ledger: the trial balance, a transaction and a system account's legs are one request each", async () => {
    const auth = { authorization: `Bearer ${env.ADMIN_TOKEN}` };
    const posted = await adjust(t.accountId, "1.50", "legs");
    for (const path of [
      "/admin/v1/ledger/trial-balance",
      `/admin/v1/ledger/transactions/${posted.transaction_id}`,
      "/admin/v1/ledger/system-accounts/adjustments:portal/entries?currency=EUR",
    ]) {
      expect((await counted(200, (h) => request("GET", path, { ...h, ...auth }))).requests, path).toBe(1);
    }
  });

  it("KV-decided answers touch no database", async () => {
    await setGateway("unavailable");
    try {
      const answer = await counted(200, (h) => request("GET", "/api/v1/user/payments", { ...h, ...apiKey() }));
      expect(answer.requests).toBe(0);
    } finally {
      await setGateway("ok");
    }
  });
});
