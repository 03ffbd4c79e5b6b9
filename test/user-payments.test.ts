import { afterEach, describe, expect, it } from "vitest";
import {
  adjust,
  adminCall,
  assertStatus,
  callRoute,
  callRouteUnchecked,
  createKey,
  expectStatus,
  importEntry,
  type Permission,
  query,
  revokeKey,
  routes,
  setGateway,
  sql,
  tenant,
} from "./helpers";

const keyed = (key?: string): Record<string, string> => (key ? { "x-api-key": key } : {});
/** GET /api/v1/user/payments with a query sent as given; GET /api/v1/user/balance. Answers typed by their route. */
const payments = (key?: string, qs = "") =>
  callRouteUnchecked(routes.userPayments.listPayments, { query: qs }, keyed(key));
const balance = (key?: string) => callRoute(routes.userPayments.getBalance, {}, keyed(key));
/** The payments of a 200 answer that is a list (not the setup answer), failing otherwise. */
function history(res: Awaited<ReturnType<typeof payments>>) {
  const json = expectStatus(res, 200);
  if (!Array.isArray(json)) throw new Error(`expected a list of payments, got ${res.text}`);
  return json;
}
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
  const portal = await adjust(t.account.id, "50.00", "Manual credit by admin");
  return { ...t, portalId: portal.id };
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
    const res = await payments(t.key);
    const list = history(res);
    expect(res.headers.get("x-sms-gateway-status")).toBe("ok");
    expect(list).toHaveLength(3);
    const [newest, deposit, usage] = list;
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

  it("answers each page byte for byte as JSON.stringify of the mapped rows (PostgreSQL renders the body)", async () => {
    const t = await tenant(ALL);
    const descriptions = [
      'quote " backslash \\ slash / tab \t newline \n return \r',
      "controls \u0001 \u001f \u007f, é, 中文, emoji 😀, </script>, \u2028 \u2029",
      "x",
    ];
    const amounts = [500, -0.35, 12.5, "98765432109.87", "-0.01", "10.10"];
    let minute = 0;
    for (const amount of amounts) {
      for (const description of descriptions) {
        minute += 1;
        await importEntry(t.account.id, {
          type: Number(amount) < 0 ? "usage" : "deposit",
          amount,
          description,
          occurred_at: new Date(Date.UTC(2026, 1, 10, 0, minute, 30)).toISOString(),
        });
      }
    }
    await adjust(t.account.id, "-0.50", 'Manual "debit"');
    // The answer as the handler used to build it: each row read back and mapped in JavaScript, then c.json.
    const rows = await query<{
      id: string;
      amount: string;
      currency: string;
      source: string;
      type: string;
      description: string | null;
      date: string;
    }>(sql`
      SELECT id::text, amount::text, currency, source, type, description,
        to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS date
      FROM ledger_entries WHERE account_id = ${t.account.id} ORDER BY occurred_at DESC, id DESC`);
    const expected = rows.map((e) => ({
      id: e.source === "portal" ? `portal_P${e.id}` : `sms_gateway_S${e.id}`,
      amount: Number(e.amount),
      currency: e.currency,
      date: e.date,
      type:
        e.source === "portal" || e.type === "adjustment" || e.type === "reversal"
          ? "adjustment"
          : e.type === "usage"
            ? "usage"
            : "deposit",
      description: e.description,
      source: e.source === "portal" ? "portal" : "sms_gateway",
    }));
    expect(expected).toHaveLength(amounts.length * descriptions.length + 1);
    const whole = await payments(t.key);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("application/json");
    expect(whole.text).toBe(JSON.stringify(expected));
    const first = await payments(t.key, "?limit=5");
    expect(first.text).toBe(JSON.stringify(expected.slice(0, 5)));
    expect(first.headers.get("link")).toMatch(/rel="next"/);
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
    let search: string | null = "?limit=2";
    let pages = 0;
    while (search) {
      const res = await payments(t.key, search);
      seen.push(...history(res).map((p) => p.amount));
      const link = res.headers.get("link");
      const next = link ? new URL(/^<([^>]+)>; rel="next"$/.exec(link)![1]!) : null;
      if (next) expect(next.pathname).toBe("/api/v1/user/payments");
      search = next ? next.search : null;
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
    const usage = await payments(t.key, "?type=usage");
    expect(history(usage).map((p) => p.type)).toEqual(["usage"]);
    const window = await payments(t.key, "?from=2026-02-10&to=2026-02-11T00:00:00Z");
    expect(history(window).map((p) => p.description)).toEqual(["Wire transfer REF-2026-001"]);
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
      const res = await payments(t.key, `?${q}`);
      expect(res.status, q).toBe(400);
      assertStatus(res, 400);
      expect(res.json.error_code, q).toBe("INVALID_PARAMETER");
      expect(typeof res.json.description).toBe("string");
    }
  });

  it("answers the setup process answer with 200 while the account is in setup", async () => {
    const t = await tenant(ALL, { currency: "EUR", status: "setup" });
    const res = await payments(t.key);
    assertStatus(res, 200);
    expect(res.json).toMatchObject({ status: false, error: "Account is in setup process" });
    expect(res.headers.get("x-sms-gateway-status")).toBe("ok");
    expectStatus(
      await adminCall(routes.accounts.updateAccountStatus, {
        params: { account_id: t.account.id },
        json: { status: "active" },
      }),
      200,
    );
    expect((await payments(t.key)).json).toEqual([]);
  });

  it("returns portal adjustments only while the gateway is partial, and [] while unavailable", async () => {
    const t = await specExample();
    await setGateway("partial");
    const partial = await payments(t.key);
    expect(partial.headers.get("x-sms-gateway-status")).toBe("partial");
    expect(history(partial).map((p) => p.source)).toEqual(["portal"]);
    await setGateway("unavailable");
    const unavailable = await payments(t.key);
    assertStatus(unavailable, 200);
    expect(unavailable.headers.get("x-sms-gateway-status")).toBe("unavailable");
    expect(unavailable.json).toEqual([]);
  });
});

describe("GET /api/v1/user/balance", () => {
  it("returns the exact ledger balance", async () => {
    const t = await tenant(ALL);
    await adjust(t.account.id, "0.1");
    await adjust(t.account.id, "0.2");
    const res = await balance(t.key);
    assertStatus(res, 200);
    expect(res.json).toEqual({ account_id: t.account.id, balance: 0.3, currency: "EUR", gateway_status: "ok" });
  });
  it("keeps the full ledger balance while partial and answers null from the edge while unavailable", async () => {
    const t = await specExample();
    await setGateway("partial");
    expect((await balance(t.key)).json).toMatchObject({ balance: 550, gateway_status: "partial" });
    await setGateway("unavailable");
    const res = await balance(t.key);
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
    const res = await balance(t.key);
    assertStatus(res, 200);
    expect(res.json).toMatchObject({ status: false, error: "Account is in setup process" });
  });
});

describe("spec 000 security", () => {
  it("answers 401 for a missing, malformed or unknown key, with the gateway header", async () => {
    for (const key of [undefined, "nope", "sk_test_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]) {
      const res = await payments(key);
      assertStatus(res, 401);
      expect(res.json).toEqual({ error_code: "INVALID_API_KEY", description: "Invalid API key" });
      expect(res.headers.get("x-sms-gateway-status")).toBe("ok");
    }
  });
  it("answers 403 without the endpoint's permission", async () => {
    const t = await tenant(["balance.read"]);
    const res = await payments(t.key);
    assertStatus(res, 403);
    expect(res.json.error_code).toBe("PERMISSION_DENIED");
    const other = await tenant(["payments.read"]);
    expect((await balance(other.key)).status).toBe(403);
  });
  it("answers 403 for a key that is not bound to an account", async () => {
    const t = await tenant(ALL);
    const unbound = await createKey(t.workspace.id, { permissions: ALL });
    const res = await payments(unbound.key);
    assertStatus(res, 403);
  });
  it("stops a revoked key at once, on data and on edge-decided answers", async () => {
    const t = await specExample();
    expect((await payments(t.key)).status).toBe(200);
    await revokeKey(t.keyId);
    expect((await payments(t.key)).status).toBe(401);
    expect((await balance(t.key)).status).toBe(401);
    await setGateway("unavailable");
    expect((await payments(t.key)).status).toBe(401);
  });
  it("never shows another tenant's entries", async () => {
    const a = await specExample();
    const b = await tenant(ALL);
    await adjust(b.account.id, 7);
    const list = history(await payments(b.key));
    expect(list).toHaveLength(1);
    expect(list[0]!.amount).toBe(7);
    expect(expectStatus(await balance(b.key), 200)).toMatchObject({ balance: 7 });
    expect(expectStatus(await balance(a.key), 200)).toMatchObject({ balance: 550 });
  });
});
