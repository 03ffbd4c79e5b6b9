import { afterEach, describe, expect, it } from "vitest";
import { adjust, admin, call, createKey, importEntry, type Permission, setGateway, tenant } from "./helpers";

const get = (path: string, key?: string) => call("GET", path, { headers: key ? { "x-api-key": key } : {} });
const ALL: Permission[] = ["payments.read", "balance.read"];

afterEach(async () => {
  await setGateway("ok");
});

/** The spec's two example rows: a gateway deposit and a portal adjustment. */
async function specExample() {
  const t = await tenant(ALL);
  await importEntry(t.account.id, {
    type: "deposit",
    amount: 500,
    description: "Wire transfer REF-2026-001",
    occurred_at: "2026-02-10T14:30:00Z",
  });
  const portal = await admin("POST", `/accounts/${t.account.id}/adjustments`, {
    amount: "50.00",
    description: "Manual credit by admin",
  });
  expect(portal.status).toBe(201);
  return { ...t, portalId: portal.json.id as number };
}

describe("GET /api/v1/user/payments", () => {
  it("returns the merged history newest first with exactly the spec's fields", async () => {
    const t = await specExample();
    await importEntry(t.account.id, {
      type: "usage",
      amount: -0.35,
      description: "SMS x7",
      occurred_at: "2026-02-09T08:00:00Z",
    });
    const res = await get("/api/v1/user/payments", t.key);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-sms-gateway-status")).toBe("ok");
    expect(res.json).toHaveLength(3);
    const [newest, deposit, usage] = res.json;
    // The portal adjustment was posted now, so it is the newest.
    expect(newest).toEqual({
      id: `portal_P${t.portalId}`,
      amount: 50,
      currency: "EUR",
      date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      type: "adjustment",
      description: "Manual credit by admin",
      source: "portal",
    });
    expect(deposit).toEqual({
      id: expect.stringMatching(/^sms_gateway_S\d+$/),
      amount: 500,
      currency: "EUR",
      date: "2026-02-10T14:30:00Z",
      type: "deposit",
      description: "Wire transfer REF-2026-001",
      source: "sms_gateway",
    });
    expect(usage).toMatchObject({ amount: -0.35, type: "usage", date: "2026-02-09T08:00:00Z" });
  });

  it("pages with limit and an RFC 8288 Link header until the history ends", async () => {
    const t = await tenant(ALL);
    for (let i = 1; i <= 5; i++) {
      await importEntry(t.account.id, {
        type: "deposit",
        amount: i,
        description: `d${i}`,
        occurred_at: `2026-01-0${i}T00:00:00Z`,
      });
    }
    const seen: number[] = [];
    let url: string | null = "/api/v1/user/payments?limit=2";
    let pages = 0;
    while (url) {
      const res = await get(url, t.key);
      expect(res.status).toBe(200);
      seen.push(...res.json.map((p: { amount: number }) => p.amount));
      const link = res.headers.get("link");
      url = link
        ? new URL(/^<([^>]+)>; rel="next"$/.exec(link)![1]!).pathname + new URL(/^<([^>]+)>/.exec(link)![1]!).search
        : null;
      pages++;
    }
    expect(seen).toEqual([5, 4, 3, 2, 1]);
    expect(pages).toBe(3);
  });

  it("filters by type and by a from/to window", async () => {
    const t = await specExample();
    await importEntry(t.account.id, {
      type: "usage",
      amount: -2,
      description: "SMS",
      occurred_at: "2026-02-11T00:00:00Z",
    });
    const usage = await get("/api/v1/user/payments?type=usage", t.key);
    expect(usage.json.map((p: { type: string }) => p.type)).toEqual(["usage"]);
    const window = await get("/api/v1/user/payments?from=2026-02-10&to=2026-02-11T00:00:00Z", t.key);
    expect(window.json.map((p: { description: string }) => p.description)).toEqual(["Wire transfer REF-2026-001"]);
  });

  it("rejects bad parameters with 400 in the surface's error shape", async () => {
    const t = await tenant(ALL);
    for (const q of [
      "limit=0",
      "limit=1001",
      "limit=abc",
      "type=refund",
      "from=yesterday",
      "from=0000-01-01",
      "to=0001-01-01T00:00:00%2B01:00",
      "cursor=%%%",
      "cursor=bm9wZQ",
      "limit=0&foo=1",
    ]) {
      const res = await get(`/api/v1/user/payments?${q}`, t.key);
      expect(res.status, q).toBe(400);
      expect(res.json.error_code, q).toBe("INVALID_PARAMETER");
      expect(typeof res.json.description).toBe("string");
    }
  });

  it("answers the setup process answer with 200 while the account is in setup", async () => {
    const t = await tenant(ALL, { currency: "EUR", status: "setup" });
    const res = await get("/api/v1/user/payments", t.key);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: false, error: "Account is in setup process" });
    expect(res.headers.get("x-sms-gateway-status")).toBe("ok");
    await admin("PATCH", `/accounts/${t.account.id}`, { status: "active" });
    expect((await get("/api/v1/user/payments", t.key)).json).toEqual([]);
  });

  it("returns portal adjustments only while the gateway is partial, and [] while unavailable", async () => {
    const t = await specExample();
    await setGateway("partial");
    const partial = await get("/api/v1/user/payments", t.key);
    expect(partial.headers.get("x-sms-gateway-status")).toBe("partial");
    expect(partial.json.map((p: { source: string }) => p.source)).toEqual(["portal"]);
    await setGateway("unavailable");
    const unavailable = await get("/api/v1/user/payments", t.key);
    expect(unavailable.status).toBe(200);
    expect(unavailable.headers.get("x-sms-gateway-status")).toBe("unavailable");
    expect(unavailable.json).toEqual([]);
  });
});

describe("GET /api/v1/user/balance", () => {
  it("returns the exact ledger balance", async () => {
    const t = await tenant(ALL);
    await adjust(t.account.id, "0.1");
    await adjust(t.account.id, "0.2");
    const res = await get("/api/v1/user/balance", t.key);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ account_id: t.account.id, balance: 0.3, currency: "EUR", gateway_status: "ok" });
  });
  it("keeps the full ledger balance while partial and answers null from the edge while unavailable", async () => {
    const t = await specExample();
    await setGateway("partial");
    expect((await get("/api/v1/user/balance", t.key)).json).toMatchObject({ balance: 550, gateway_status: "partial" });
    await setGateway("unavailable");
    const res = await get("/api/v1/user/balance", t.key);
    expect(res.json).toEqual({
      account_id: t.account.id,
      balance: null,
      currency: "EUR",
      gateway_status: "unavailable",
    });
    expect(res.headers.get("x-sms-gateway-status")).toBe("unavailable");
  });
  it("answers the setup answer while the account is in setup", async () => {
    const t = await tenant(ALL, { currency: "EUR", status: "setup" });
    const res = await get("/api/v1/user/balance", t.key);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: false, error: "Account is in setup process" });
  });
});

describe("spec 000 security", () => {
  it("answers 401 for a missing, malformed or unknown key, with the gateway header", async () => {
    for (const key of [undefined, "nope", "sk_test_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]) {
      const res = await get("/api/v1/user/payments", key);
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error_code: "INVALID_API_KEY", description: "Invalid API key" });
      expect(res.headers.get("x-sms-gateway-status")).toBe("ok");
    }
  });
  it("answers 403 without the endpoint's permission", async () => {
    const t = await tenant(["balance.read"]);
    const res = await get("/api/v1/user/payments", t.key);
    expect(res.status).toBe(403);
    expect(res.json.error_code).toBe("PERMISSION_DENIED");
    const other = await tenant(["payments.read"]);
    expect((await get("/api/v1/user/balance", other.key)).status).toBe(403);
  });
  it("answers 403 for a key that is not bound to an account", async () => {
    const t = await tenant(ALL);
    const unbound = await createKey(t.workspace.id, { permissions: ALL });
    const res = await get("/api/v1/user/payments", unbound.key);
    expect(res.status).toBe(403);
  });
  it("stops a revoked key at once, on data and on edge-decided answers", async () => {
    const t = await specExample();
    expect((await get("/api/v1/user/payments", t.key)).status).toBe(200);
    expect((await admin("DELETE", `/api-keys/${t.keyId}`)).status).toBe(204);
    expect((await get("/api/v1/user/payments", t.key)).status).toBe(401);
    expect((await get("/api/v1/user/balance", t.key)).status).toBe(401);
    await setGateway("unavailable");
    expect((await get("/api/v1/user/payments", t.key)).status).toBe(401);
  });
  it("never shows another tenant's entries", async () => {
    const a = await specExample();
    const b = await tenant(ALL);
    await adjust(b.account.id, 7);
    const res = await get("/api/v1/user/payments", b.key);
    expect(res.json).toHaveLength(1);
    expect(res.json[0].amount).toBe(7);
    expect((await get("/api/v1/user/balance", b.key)).json.balance).toBe(7);
    expect((await get("/api/v1/user/balance", a.key)).json.balance).toBe(550);
  });
});
