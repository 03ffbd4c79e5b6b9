// Spec 001: GET /api/paiements/api-key: the key's payments, filters, pages and totals; errors before routing.
import { describe, expect, it } from "vitest";
import { type PaymentRow, paymentColumns } from "../src/apis/paiements/queries";
import { toPayment } from "../src/apis/paiements/serializers";
import { badRequest, createOk, list, RW, SPEC_FIELDS, setCreatedAt } from "./fixtures/paiements";
import {
  assertStatus,
  createAccount,
  createKey,
  expectStatus,
  query,
  rawCall,
  revokeKey,
  sql,
  tenant,
} from "./helpers";
import { openApiDocument } from "./openapi-doc";
import { moveTo } from "./webhook-signing";

describe("GET /api/paiements/api-key", () => {
  it("lists the key's payments newest first, each exactly as created", async () => {
    const t = await tenant(RW);
    const a = await createOk(t.key, { amount: 100, description: "first" });
    const b = await createOk(t.key, {
      transaction_type: "DIRECT_PAYMENT",
      amount: 99.99,
      phone: "+2250506070809",
      service_mobile_code: "ORANGE_CI",
      extra_data: { nested: { ok: true }, list: [1, "two"] },
    });
    const res = await list(t.key);
    assertStatus(res, 200);
    expect(res.json).toEqual({ data: [b, a], total: 2, page: 0, size: 20, totalPages: 1 });
    for (const p of res.json.data) expect(Object.keys(p).sort()).toEqual(SPEC_FIELDS);
    expect(res.json.data[0]!.amount).toBe(99.99);
  });

  it("answers each page byte for byte as JSON.stringify of the rows mapped as before (PostgreSQL renders the body)", async () => {
    const t = await tenant(RW);
    const descriptions = [
      'quote " backslash \\ slash / tab \t newline \n return \r',
      "controls \u0001 \u001f \u007f, é, 中文, emoji 😀, </script>, \u2028 \u2029 end",
      null,
    ];
    // jsonb reorders keys and prints numbers its own way; JavaScript puts integer-like keys first.
    const extras = [
      { b: 1, aa: [1, 2.5, "x"], "10": "ten", "2": { z: null, a: true }, "é😀": 'q"\\\n', big: 1.5e300, tiny: 1e-7 },
      {},
      null,
    ];
    const amounts = [500, 0.35, 12.5, "98765432109.87", "10.10", 1];
    // Every pairing of description and extra_data, each amount on three of them.
    for (const [a, amount] of amounts.entries()) {
      for (const [d, description] of descriptions.entries()) {
        await createOk(t.key, { amount, description, extra_data: extras[(a + d) % extras.length] });
      }
    }
    // The answer as the handler used to build it: the rows in the list's columns, mapped by toPayment, then c.json.
    const rows = await query<PaymentRow>(sql`
      SELECT ${paymentColumns} FROM mobile_money_payments m WHERE api_key_id = ${t.keyId}
      ORDER BY m.created_at DESC, m.id DESC`);
    const data = rows.map(toPayment);
    expect(data).toHaveLength(amounts.length * descriptions.length);
    expect(data.map((p) => p.amount)).toContain(98765432109.87);
    const whole = await list(t.key, "?size=100");
    assertStatus(whole, 200);
    expect(whole.headers.get("content-type")).toBe("application/json");
    expect(whole.text).toBe(JSON.stringify({ data, total: data.length, page: 0, size: 100, totalPages: 1 }));
    expect(whole.text).toContain(
      '"extra_data":{"2":{"a":true,"z":null},"10":"ten","b":1,"aa":[1,2.5,"x"],"big":1.5e+300,"tiny":1e-7,"é😀":"q\\"\\\\\\n"}',
    );
    const second = await list(t.key, "?page=1&size=5");
    expect(second.text).toBe(
      JSON.stringify({ data: data.slice(5, 10), total: data.length, page: 1, size: 5, totalPages: 4 }),
    );
    const deep = await list(t.key, "?page=3&size=5");
    expect(deep.text).toBe(
      JSON.stringify({ data: data.slice(15), total: data.length, page: 3, size: 5, totalPages: 4 }),
    );
  });

  it("paginates with 0-based pages: total, totalPages and the slices add up", async () => {
    const t = await tenant(RW);
    const made = [];
    for (let i = 1; i <= 5; i++) made.push(await createOk(t.key, { amount: i }));
    const newestFirst = made.reverse().map((p) => p.id);
    const pages = [];
    for (let page = 0; page <= 3; page++) {
      const res = await list(t.key, `?page=${page}&size=2`);
      assertStatus(res, 200);
      expect(res.json).toMatchObject({ total: 5, page, size: 2, totalPages: 3 });
      pages.push(res.json.data.map((p: { id: string }) => p.id));
    }
    expect(pages).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4), []]);
    const exact = await list(t.key, "?size=5");
    expect(exact.json).toMatchObject({ total: 5, page: 0, size: 5, totalPages: 1 });
    const max = expectStatus(await list(t.key, "?size=100&page=0"), 200);
    expect(max.data).toHaveLength(5);
  });

  it("answers an empty page for a key with no payments", async () => {
    const t = await tenant(RW);
    const res = await list(t.key);
    assertStatus(res, 200);
    expect(res.json).toEqual({ data: [], total: 0, page: 0, size: 20, totalPages: 0 });
  });

  it("filters by transaction_type and by status", async () => {
    const t = await tenant(RW);
    const pay = await createOk(t.key, { transaction_type: "PAYMENT" });
    const recharge = await createOk(t.key, { transaction_type: "RECHARGE" });
    const transfer = await createOk(t.key, { transaction_type: "TRANSFERT" });
    await moveTo(recharge.reference, "PENDING");
    await moveTo(transfer.reference, "PENDING");
    await moveTo(transfer.reference, "COMPLETE");

    const ids = async (qs: string) => {
      const res = await list(t.key, qs);
      assertStatus(res, 200);
      expect(res.json.total).toBe(res.json.data.length);
      return res.json.data.map((p: { id: string }) => p.id);
    };
    expect(await ids("?transaction_type=PAYMENT")).toEqual([pay.id]);
    expect(await ids("?transaction_type=RECHARGE")).toEqual([recharge.id]);
    expect(await ids("?transaction_type=DIRECT_PAYMENT")).toEqual([]);
    expect(await ids("?status=INIT")).toEqual([pay.id]);
    expect(await ids("?status=PENDING")).toEqual([recharge.id]);
    expect(await ids("?status=COMPLETE")).toEqual([transfer.id]);
    expect(await ids("?status=FAILED")).toEqual([]);
    expect(await ids("?status=PENDING&transaction_type=PAYMENT")).toEqual([]);

    const done = expectStatus(await list(t.key, "?status=COMPLETE"), 200).data[0]!;
    expect(done.status).toBe("COMPLETE");
    expect(done.updatedAt >= done.createdAt).toBe(true);
  });

  it("filters by dateFrom/dateTo in Unix seconds, both bounds inclusive", async () => {
    const t = await tenant(RW);
    const at = [1_700_000_000, 1_700_000_100, 1_700_000_200, 1_700_000_300];
    const made = [];
    for (const s of at) {
      const p = await createOk(t.key);
      await setCreatedAt(p.id, s);
      made.push(p.id);
    }
    const ids = async (qs: string) => expectStatus(await list(t.key, qs), 200).data.map((p) => p.id);
    expect(await ids(`?dateFrom=${at[1]}`)).toEqual([made[3], made[2], made[1]]);
    expect(await ids(`?dateTo=${at[2]}`)).toEqual([made[2], made[1], made[0]]);
    expect(await ids(`?dateFrom=${at[1]}&dateTo=${at[2]}`)).toEqual([made[2], made[1]]);
    expect(await ids(`?dateFrom=${at[1]! + 1}&dateTo=${at[2]! - 1}`)).toEqual([]);
    expect(await ids(`?dateFrom=${at[0]}&dateTo=${at[0]}`)).toEqual([made[0]]);
    const first = expectStatus(await list(t.key, `?dateFrom=${at[0]}&dateTo=${at[0]}`), 200).data[0]!;
    expect(first.createdAt).toBe("2023-11-14T22:13:20Z");
  });

  it("answers the spec's example request with exactly the PAYMENT+COMPLETE payments of January 2024", async () => {
    const t = await tenant(RW);
    const JAN_1 = 1704067200;
    const FEB_1 = 1706745600;
    const setups: { type: string; status: string[]; at: number; expected: boolean }[] = [
      { type: "PAYMENT", status: ["PENDING", "COMPLETE"], at: JAN_1, expected: true },
      { type: "PAYMENT", status: ["PENDING", "COMPLETE"], at: 1705415400, expected: true },
      { type: "PAYMENT", status: ["PENDING", "COMPLETE"], at: FEB_1, expected: true },
      { type: "PAYMENT", status: ["PENDING", "COMPLETE"], at: JAN_1 - 1, expected: false },
      { type: "PAYMENT", status: ["PENDING", "COMPLETE"], at: FEB_1 + 1, expected: false },
      { type: "PAYMENT", status: ["PENDING"], at: 1705415400, expected: false },
      { type: "PAYMENT", status: ["FAILED"], at: 1705415400, expected: false },
      { type: "PAYMENT", status: [], at: 1705415400, expected: false },
      { type: "RECHARGE", status: ["PENDING", "COMPLETE"], at: 1705415400, expected: false },
      { type: "DIRECT_PAYMENT", status: ["PENDING", "COMPLETE"], at: 1705415400, expected: false },
    ];
    const expected: { id: string; at: number }[] = [];
    for (const s of setups) {
      const extra = s.type === "DIRECT_PAYMENT" ? { phone: "+2250506070809", service_mobile_code: "MTN_CI" } : {};
      const p = await createOk(t.key, { transaction_type: s.type, ...extra });
      for (const status of s.status) await moveTo(p.reference, status);
      await setCreatedAt(p.id, s.at);
      if (s.expected) expected.push({ id: p.id, at: s.at });
    }
    // Another key's matching payment must not appear either.
    const other = await createKey(t.workspace.id, { account_id: t.account.id, permissions: RW });
    const foreign = await createOk(other.key);
    await moveTo(foreign.reference, "PENDING");
    await moveTo(foreign.reference, "COMPLETE");
    await setCreatedAt(foreign.id, 1705415400);

    const res = await list(
      t.key,
      "?page=0&size=20&transaction_type=PAYMENT&status=COMPLETE&dateFrom=1704067200&dateTo=1706745600",
    );
    assertStatus(res, 200);
    const want = expected.sort((x, y) => y.at - x.at).map((e) => e.id);
    expect(res.json.data.map((p: { id: string }) => p.id)).toEqual(want);
    expect(res.json).toMatchObject({ total: 3, page: 0, size: 20, totalPages: 1 });
    for (const p of res.json.data) {
      expect(p).toMatchObject({ transaction_type: "PAYMENT", status: "COMPLETE", api_key_id: t.keyId });
      expect(Object.keys(p).sort()).toEqual(SPEC_FIELDS);
    }
    expect(res.json.data.map((p: { createdAt: string }) => p.createdAt)).toEqual([
      "2024-02-01T00:00:00Z",
      "2024-01-16T14:30:00Z",
      "2024-01-01T00:00:00Z",
    ]);
  });

  it("refuses every bad filter value with 400 naming it", async () => {
    const t = await tenant(RW);
    const cases: [string, string | RegExp][] = [
      ["page=-1", "page must be at least 0"],
      ["page=abc", "page must be an integer"],
      ["page=1.5", "page must be an integer"],
      ["page=", "page must be an integer"],
      ["page=1e2", "page must be an integer"],
      ["size=0", "size must be at least 1"],
      ["size=101", "size must be at most 100"],
      ["size=ten", "size must be an integer"],
      ["size=10&size=20", "size must be an integer"],
      ["transaction_type=REFUND", "transaction_type must be one of PAYMENT, DIRECT_PAYMENT, TRANSFERT, RECHARGE"],
      ["transaction_type=payment", "transaction_type must be one of PAYMENT, DIRECT_PAYMENT, TRANSFERT, RECHARGE"],
      ["status=DONE", "status must be one of INIT, PENDING, COMPLETE, FAILED, TIMEOUT"],
      ["dateFrom=yesterday", "dateFrom must be an integer"],
      ["dateFrom=-1", "dateFrom must be at least 0"],
      ["dateTo=2024-01-01", "dateTo must be an integer"],
      ["dateTo=99999999999999", "dateTo must be at most 253402300799"],
      ["dateFrom=1706745600&dateTo=1704067200", "dateFrom must not be after dateTo"],
      // An unknown parameter is ignored, a known one with a bad value is still refused.
      ["size=0&foo=bar", "size must be at least 1"],
    ];
    for (const [qs, message] of cases) {
      const res = await list(t.key, `?${qs}`);
      expect(res.status, qs).toBe(400);
      expect(res.json, qs).toEqual(badRequest(message));
    }
  });

  it("answers 401 'Invalid API key' for a missing, malformed or unknown key", async () => {
    const body = { statusCode: 401, message: "Invalid API key", error: "Unauthorized" };
    for (const key of [undefined, "nope", `sk_test_${"b".repeat(32)}`, `sk_live_${"c".repeat(32)}`]) {
      const res = await list(key);
      assertStatus(res, 401);
      expect(res.json).toEqual(body);
    }
  });

  it("answers 403 with the spec's message for a key without payments.read", async () => {
    const t = await tenant(["payments.write", "balance.read"]);
    await createOk(t.key);
    const res = await list(t.key);
    assertStatus(res, 403);
    expect(res.json).toEqual({
      statusCode: 403,
      message: "API key does not have permission to access payments",
      error: "Forbidden",
    });
  });

  it("authenticates before validating filters", async () => {
    expect((await list(undefined, "?size=1000")).status).toBe(401);
    const t = await tenant(["balance.read"]);
    expect((await list(t.key, "?size=1000")).status).toBe(403);
  });

  it("reads nothing with a revoked key, through the admin API or revoked behind the edge cache", async () => {
    const t = await tenant(RW);
    await createOk(t.key);
    expect(expectStatus(await list(t.key), 200).total).toBe(1);
    // Revoked in the database only: KV still knows the key, the list statement re-checks it.
    await query(sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${t.keyId}`);
    const behindCache = await list(t.key);
    assertStatus(behindCache, 401);
    expect(behindCache.json).toEqual({ statusCode: 401, message: "Invalid API key", error: "Unauthorized" });

    const u = await tenant(RW);
    await createOk(u.key);
    await revokeKey(u.keyId);
    const revoked = await list(u.key);
    assertStatus(revoked, 401);
    expect(revoked.json.message).toBe("Invalid API key");
  });

  it("never shows a payment to another workspace's key or to another key of the same workspace", async () => {
    const t = await tenant(RW);
    const mine = await createOk(t.key);
    await moveTo(mine.reference, "PENDING");

    const stranger = await tenant(RW);
    const theirs = await list(stranger.key);
    assertStatus(theirs, 200);
    expect(theirs.json).toEqual({ data: [], total: 0, page: 0, size: 20, totalPages: 0 });

    const sibling = await createKey(t.workspace.id, { account_id: t.account.id, permissions: ["payments.read"] });
    const siblingList = await list(sibling.key, "?status=PENDING");
    expect(siblingList.json).toEqual({ data: [], total: 0, page: 0, size: 20, totalPages: 0 });

    const secondAccount = await createAccount(t.workspace.id);
    const otherAccountKey = await createKey(t.workspace.id, { account_id: secondAccount.id, permissions: RW });
    expect(expectStatus(await list(otherAccountKey.key), 200).total).toBe(0);

    const own = await list(t.key);
    assertStatus(own, 200);
    expect(own.json.data.map((p) => p.id)).toEqual([mine.id]);
  });

  it("is documented in the OpenAPI document", async () => {
    const doc = await openApiDocument();
    expect(Object.keys(doc.paths["/api/paiements/api-key"]!)).toEqual(["get"]);
    expect(Object.keys(doc.paths["/api/paiements"]!)).toEqual(["post"]);
    expect(doc.paths["/webhooks/mobile-money"]!.post!.requestBody).toBeDefined();
    const params = doc.paths["/api/paiements/api-key"]!.get!.parameters!.map((p) => p.name);
    expect(params.sort()).toEqual(["dateFrom", "dateTo", "page", "size", "status", "transaction_type"]);
  });
});

describe("errors raised before the surface's router", () => {
  it("answers an oversized body and an unknown path in spec 001's shape", async () => {
    const t = await tenant(RW);
    // 413 is not among the statuses POST /api/paiements documents: a raw call.
    const big = await rawCall("POST", "/api/paiements", {
      headers: { "x-api-key": t.key },
      body: { transaction_type: "PAYMENT", amount: 1, description: "x".repeat(70_000) },
    });
    expect(big.status).toBe(413);
    expect(big.json).toEqual({
      statusCode: 413,
      message: expect.stringContaining("larger than"),
      error: "Payload Too Large",
    });
    const missing = await rawCall("GET", "/api/paiements/nope", { headers: { "x-api-key": t.key } });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ statusCode: 404, message: "No such route", error: "Not Found" });
  });
});
