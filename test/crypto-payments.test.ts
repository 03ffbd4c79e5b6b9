// Spec 004: GET /payments/, POST /payments/status/ and POST /payments/ (create), with the spec's
// filtering examples, every 400 variant, scopes and tenant isolation.
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../functions/index";
import { CALLBACK_URL_PROBLEM } from "../src/apis/crypto-payments/schemas";
import { summaryFields } from "../src/payments/queries";
import {
  accessToken,
  createClient,
  createPayment,
  createPaymentOk,
  listPayments,
  merchant,
  moveTo,
  paymentStatus,
} from "./crypto-helpers";
import { fetchWithDatabaseDown } from "./fixtures/database-down";
import { assertStatus, createAccount, createWorkspace, expectStatus, query, sql, suspend } from "./helpers";

const SUMMARY_FIELDS = [
  "address",
  "amount_crypto",
  "amount_usd",
  "blockchain",
  "created_at",
  "currency",
  "order_id",
  "status",
  "token",
  "transaction_id",
  "updated_at",
];
const DETAIL_FIELDS = [...SUMMARY_FIELDS, "callback_url", "confirmations", "status_history", "transaction_hash"].sort();
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const invalidFilters = (details: Record<string, string[]>) => ({
  error: { code: "invalid_request", message: "Invalid filter parameters", details },
});
const invalidBody = (details: Record<string, string[]>) => ({
  error: { code: "invalid_request", message: "Invalid request body", details },
});

/** The order ids of a list answer, which must be a 200. */
const ids = (res: Awaited<ReturnType<typeof listPayments>>) => expectStatus(res, 200).results.map((p) => p.order_id);

describe("POST /payments/ (create)", () => {
  it("creates a waiting payment with a TRON deposit address and the crypto amount at the local rate", async () => {
    const m = await merchant();
    const res = await createPayment(m.token, { amount_usd: "100.00", currency: "USDTTRC20", order_id: "ORDER-12345" });
    assertStatus(res, 201);
    const p = res.json;
    expect(Object.keys(p).sort()).toEqual(DETAIL_FIELDS);
    expect(p).toMatchObject({
      blockchain: "TRX",
      currency: "USDTTRC20",
      status: "waiting",
      amount_usd: "100.00",
      amount_crypto: "100.050000",
      token: "USDT",
      order_id: "ORDER-12345",
      transaction_hash: null,
      callback_url: null,
      confirmations: 0,
    });
    expect(p.transaction_id).toMatch(UUID);
    expect(p.address).toMatch(/^T[1-9A-HJ-NP-Za-km-z]{33}$/);
    expect(p.created_at).toMatch(ISO_SECONDS);
    expect(p.updated_at).toBe(p.created_at);
    expect(p.status_history).toEqual([{ status: "waiting", at: p.created_at }]);
  });

  it("derives network, token and address format from the currency code", async () => {
    const m = await merchant();
    const usdc = await createPaymentOk(m.token, { amount_usd: 50, currency: "usdcerc20", order_id: "ORDER-12346" });
    expect(usdc).toMatchObject({ blockchain: "ETH", token: "USDC", currency: "USDCERC20", amount_crypto: "50.025000" });
    expect(usdc.address).toMatch(/^0x[0-9a-f]{40}$/);
    const btc = await createPaymentOk(m.token, { amount_usd: "250.5", currency: "BTC", order_id: "B-1" });
    expect(btc).toMatchObject({ blockchain: "BTC", token: "BTC", amount_usd: "250.50", amount_crypto: "0.002505" });
    expect(btc.address).toMatch(/^bc1q[02-9ac-hj-np-z]{38}$/);
  });

  it("credits the oldest USD account that is not suspended, and answers 409 when there is none", async () => {
    const ws = await createWorkspace();
    const client = await createClient(ws.id);
    const token = await accessToken(client);
    await createAccount(ws.id, { currency: "EUR" });
    const none = await createPayment(token, { amount_usd: 1, currency: "USDTTRC20", order_id: "X" });
    assertStatus(none, 409);
    expect(none.json).toEqual({
      error: {
        code: "conflict",
        message:
          "This workspace has no USD account to credit: create one (not suspended) before accepting crypto payments.",
      },
    });

    const oldest = await createAccount(ws.id, { currency: "USD" });
    const second = await createAccount(ws.id, { currency: "USD" });
    const first = await createPaymentOk(token);
    await suspend(oldest.id);
    const next = await createPaymentOk(token);
    const accountOf = async (id: string) =>
      (await query<{ a: string }>(sql`SELECT account_id::text AS a FROM crypto_payments WHERE id = ${id}`))[0]?.a;
    expect(await accountOf(first.transaction_id)).toBe(oldest.id);
    expect(await accountOf(next.transaction_id)).toBe(second.id);

    await suspend(second.id);
    expect((await createPayment(token, { amount_usd: 1, currency: "USDTTRC20", order_id: "Y" })).status).toBe(409);
  });

  it("accepts https callback URLs to public host names; refuses IP addresses in every form", async () => {
    const m = await merchant();
    const https = await createPaymentOk(m.token, { callback_url: "https://shop.example/hooks?x=1" });
    expect(https.callback_url).toBe("https://shop.example/hooks?x=1");
    const idn = await createPaymentOk(m.token, { callback_url: "https://xn--bcher-kva.example:8443/h" });
    expect(idn.callback_url).toBe("https://xn--bcher-kva.example:8443/h");
    const refused = [
      "http://shop.example/hook",
      "ftp://shop.example",
      "not a url",
      "https://user:pw@shop.example/",
      // IPv4 in dotted, decimal, hex, octal and short forms; IPv6, mapped IPv4 and link-local.
      "http://127.0.0.1:8080/hook",
      "https://127.0.0.1/",
      "https://169.254.169.254/latest/meta-data",
      "https://10.0.0.1/",
      "https://8.8.8.8/",
      "https://2130706433/",
      "https://0x7f000001/",
      "https://0x7f.0.0.1/",
      "https://0177.0.0.1/",
      "https://127.1/",
      "https://127.0.0.1./",
      "http://[::1]/",
      "https://[::1]/",
      "https://[::ffff:127.0.0.1]/",
      "https://[fe80::1]/",
      "https://[2001:4860:4860::8888]/",
      // Names that never lead to a public host.
      "https://shop/",
      "https://shop.example./",
      "https://printer.local/",
      "https://metadata.google.internal/",
      "https://app.localhost/",
      "https://1.0.0.127.in-addr.arpa/",
    ];
    for (const url of refused) {
      const res = await createPayment(m.token, { amount_usd: 1, currency: "BTC", order_id: "O", callback_url: url });
      expect({ url, status: res.status, json: res.json }).toEqual({
        url,
        status: 400,
        json: invalidBody({ callback_url: [CALLBACK_URL_PROBLEM] }),
      });
    }
  });

  it("accepts localhost over http or https in local development only (LOCAL_DEVELOPMENT)", async () => {
    const m = await merchant();
    expect(env.LOCAL_DEVELOPMENT).toBe("true");
    for (const url of ["http://localhost:8787/hook", "https://localhost/hook"]) {
      expect((await createPaymentOk(m.token, { callback_url: url })).callback_url).toBe(url);
    }
    // The same worker without the local stack's var: production.
    const production = { ...env, LOCAL_DEVELOPMENT: undefined };
    for (const url of ["http://localhost:8787/hook", "https://localhost/hook"]) {
      const request = new Request("https://api.test/payments/", {
        method: "POST",
        headers: { authorization: `Bearer ${m.token}`, "content-type": "application/json" },
        body: JSON.stringify({ amount_usd: 1, currency: "BTC", order_id: "PROD", callback_url: url }),
      });
      const res = await worker.fetch(request, production, createExecutionContext());
      expect({ url, status: res.status, json: await res.json() }).toEqual({
        url,
        status: 400,
        json: invalidBody({ callback_url: [CALLBACK_URL_PROBLEM] }),
      });
    }
    const [row] = await query<{ n: string }>(
      sql`SELECT count(*)::text AS n FROM crypto_payments WHERE workspace_id = ${m.workspace.id} AND order_id = 'PROD'`,
    );
    expect(row?.n).toBe("0");
  });

  it("answers 400 with one details entry per bad field", async () => {
    const m = await merchant();
    const cases: [unknown, Record<string, string[]>][] = [
      [{ currency: "USDTTRC20", order_id: "O" }, { amount_usd: ["This field is required."] }],
      [{ amount_usd: "abc", currency: "USDTTRC20", order_id: "O" }, { amount_usd: ["A valid number is required."] }],
      [{ amount_usd: true, currency: "USDTTRC20", order_id: "O" }, { amount_usd: ["A valid number is required."] }],
      [
        { amount_usd: "1.005", currency: "USDTTRC20", order_id: "O" },
        { amount_usd: ["Ensure that there are no more than 2 decimal places."] },
      ],
      [
        { amount_usd: 0, currency: "USDTTRC20", order_id: "O" },
        { amount_usd: ["Ensure this value is greater than or equal to 0.01."] },
      ],
      [
        { amount_usd: "-5", currency: "USDTTRC20", order_id: "O" },
        { amount_usd: ["Ensure this value is greater than or equal to 0.01."] },
      ],
      [
        { amount_usd: "1000000000", currency: "USDTTRC20", order_id: "O" },
        { amount_usd: ["Ensure this value is less than or equal to 99999999.99."] },
      ],
      [{ amount_usd: 1, currency: "DOGE", order_id: "O" }, { currency: ['"DOGE" is not a valid choice.'] }],
      [{ amount_usd: 1, order_id: "O" }, { currency: ["This field is required."] }],
      [{ amount_usd: 1, currency: "BTC", order_id: "" }, { order_id: ["This field may not be blank."] }],
      [
        { amount_usd: 1, currency: "BTC", order_id: "x".repeat(101) },
        { order_id: ["Ensure this field has no more than 100 characters."] },
      ],
      [{ amount_usd: 1, currency: "BTC", order_id: 5 }, { order_id: ["Not a valid string."] }],
      [{ amount_usd: 1, currency: "BTC", order_id: "O", memo: "x" }, { memo: ["Unknown field."] }],
      [[1, 2], { non_field_errors: ["Invalid data. Expected a JSON object."] }],
      [
        { amount_usd: "x", currency: "NOPE", order_id: "", callback_url: "http://a.example" },
        {
          amount_usd: ["A valid number is required."],
          currency: ['"NOPE" is not a valid choice.'],
          order_id: ["This field may not be blank."],
          callback_url: [CALLBACK_URL_PROBLEM],
        },
      ],
    ];
    for (const [body, details] of cases) {
      const res = await createPayment(m.token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json, JSON.stringify(body)).toEqual(invalidBody(details));
    }
    const notJson = await createPayment(m.token, "{not json", { "content-type": "application/json" });
    assertStatus(notJson, 400);
    expect(notJson.json.error.code).toBe("invalid_request");
    const count = await query(sql`SELECT 1 FROM crypto_payments WHERE workspace_id = ${m.workspace.id}`);
    expect(count).toEqual([]);
  });

  it("creates once per Idempotency-Key and replays the first answer", async () => {
    const m = await merchant();
    const body = { amount_usd: "12.34", currency: "USDTTRC20", order_id: "IDEM-1" };
    const first = await createPayment(m.token, body, { "idempotency-key": "k-1" });
    const again = await createPayment(m.token, body, { "idempotency-key": "k-1" });
    assertStatus(first, 201);
    assertStatus(again, 201);
    expect(again.json).toEqual(first.json);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const different = await createPayment(m.token, { ...body, amount_usd: "1.00" }, { "idempotency-key": "k-1" });
    assertStatus(different, 422);
    expect(different.json.error.code).toBe("unprocessable_entity");
    const rows = await query(sql`SELECT 1 FROM crypto_payments WHERE order_id = 'IDEM-1'
      AND workspace_id = ${m.workspace.id}`);
    expect(rows.length).toBe(1);
    const concurrent = await Promise.all(
      [1, 2, 3, 4].map(() => createPayment(m.token, { ...body, order_id: "IDEM-2" }, { "idempotency-key": "k-2" })),
    );
    for (const res of concurrent) expect([201, 409]).toContain(res.status);
    const created = await query(sql`SELECT 1 FROM crypto_payments WHERE order_id = 'IDEM-2'
      AND workspace_id = ${m.workspace.id}`);
    expect(created.length).toBe(1);
  });
});

/**
 * The spec's data, completed: the two payments it shows plus others that its filter examples must
 * leave out (USDT on Ethereum, USDC on TRON, an expired BTC payment, a waiting TRC20 one).
 */
async function specData() {
  const m = await merchant(["read", "write"]);
  const make = async (order_id: string, currency: string, amount_usd: string, status?: string) => {
    const p = await createPaymentOk(m.token, { order_id, currency, amount_usd });
    if (status) await moveTo(p.transaction_id, status);
    return p;
  };
  await make("ORDER-12345", "USDTTRC20", "100.00", "completed");
  await make("ORDER-12346", "USDCERC20", "50.00");
  await make("ORDER-ERC20-USDT", "USDTERC20", "30.00", "completed");
  await make("ORDER-TRC20-USDC", "USDCTRC20", "10.00", "completed");
  await make("ORDER-BTC", "BTC", "500.00", "expired");
  await make("ORDER-TRC20-WAIT", "USDTTRC20", "20.00");
  return m;
}

describe("GET /payments/", () => {
  it("lists newest first with the spec's envelope and exactly the summarized fields", async () => {
    const m = await specData();
    const res = await listPayments(m.token);
    assertStatus(res, 200);
    expect(res.json).toMatchObject({ count: 6, total: 6, offset: 0, limit: 20 });
    expect(ids(res)).toEqual([
      "ORDER-TRC20-WAIT",
      "ORDER-BTC",
      "ORDER-TRC20-USDC",
      "ORDER-ERC20-USDT",
      "ORDER-12346",
      "ORDER-12345",
    ]);
    for (const p of res.json.results) {
      expect(Object.keys(p).sort()).toEqual(SUMMARY_FIELDS);
      expect(p.created_at).toMatch(ISO_SECONDS);
      expect(p.updated_at).toMatch(ISO_SECONDS);
    }
    const first = res.json.results.find((p: { order_id: string }) => p.order_id === "ORDER-12345");
    expect(first).toMatchObject({
      blockchain: "TRX",
      currency: "USDTTRC20",
      status: "completed",
      amount_usd: "100.00",
      amount_crypto: "100.050000",
      token: "USDT",
    });
  });

  it("spec example: ?status=completed&blockchain=TRON&token=USDT returns the completed USDT payments on TRON", async () => {
    const m = await specData();
    const res = await listPayments(m.token, "?status=completed&blockchain=TRON&token=USDT");
    assertStatus(res, 200);
    expect(ids(res)).toEqual(["ORDER-12345"]);
    expect(res.json).toMatchObject({ count: 1, total: 6, offset: 0, limit: 20 });
    expect(res.json.results[0]!.blockchain).toBe("TRX");
  });

  it("spec example: ?status=waiting returns all waiting payments", async () => {
    const m = await specData();
    const res = await listPayments(m.token, "?status=waiting");
    expect(ids(res)).toEqual(["ORDER-TRC20-WAIT", "ORDER-12346"]);
    expect(expectStatus(res, 200).count).toBe(2);
  });

  it("spec example: ?limit=20&offset=0&status=completed&currency=USDTTRC20", async () => {
    const m = await specData();
    const res = await listPayments(m.token, "?limit=20&offset=0&status=completed&currency=USDTTRC20");
    expect(ids(res)).toEqual(["ORDER-12345"]);
    expect(res.json).toMatchObject({ count: 1, total: 6, offset: 0, limit: 20 });
  });

  it("matches currency, token and network names case-insensitively, with network aliases", async () => {
    const m = await specData();
    const trx = ["ORDER-TRC20-WAIT", "ORDER-TRC20-USDC", "ORDER-12345"];
    for (const qs of ["?blockchain=TRX", "?blockchain=tron", "?blockchain=Tron", "?blockchain=trc20"]) {
      expect(ids(await listPayments(m.token, qs)), qs).toEqual(trx);
    }
    expect(ids(await listPayments(m.token, "?blockchain=ethereum"))).toEqual(["ORDER-ERC20-USDT", "ORDER-12346"]);
    expect(ids(await listPayments(m.token, "?currency=usdttrc20"))).toEqual(["ORDER-TRC20-WAIT", "ORDER-12345"]);
    expect(ids(await listPayments(m.token, "?token=usdc"))).toEqual(["ORDER-TRC20-USDC", "ORDER-12346"]);
    expect(ids(await listPayments(m.token, "?blockchain=SOLANA"))).toEqual([]);
    expect(ids(await listPayments(m.token, "?status=&currency="))).toHaveLength(6);
  });

  it("paginates with limit and offset; count is the filtered total, total all the merchant's payments", async () => {
    const m = await specData();
    const page1 = await listPayments(m.token, "?limit=2&offset=0");
    const page2 = await listPayments(m.token, "?limit=2&offset=2");
    const page3 = await listPayments(m.token, "?limit=2&offset=4");
    const beyond = await listPayments(m.token, "?limit=2&offset=10");
    expect(ids(page1)).toEqual(["ORDER-TRC20-WAIT", "ORDER-BTC"]);
    expect(ids(page2)).toEqual(["ORDER-TRC20-USDC", "ORDER-ERC20-USDT"]);
    expect(ids(page3)).toEqual(["ORDER-12346", "ORDER-12345"]);
    expect(beyond.json).toEqual({ count: 6, total: 6, offset: 10, limit: 2, results: [] });
    expect(page2.json).toMatchObject({ count: 6, total: 6, offset: 2, limit: 2 });
    const filtered = await listPayments(m.token, "?status=completed&limit=1");
    expect(filtered.json).toMatchObject({ count: 3, total: 6, limit: 1 });
  });

  it("answers each page byte for byte as JSON.stringify of the list view as json_build_object read it (PostgreSQL renders the body)", async () => {
    const m = await merchant(["read", "write"]);
    const orderIds = [
      'quote " backslash \\ slash / tab \t newline \n return \r',
      "controls \u0001 \u001f \u007f, é, 中文, emoji 😀, </script>, \u2028 \u2029",
      "ORDER-1",
    ];
    const amounts = ["500", "0.35", "12.5", "10.10", "98765.43"];
    const currencies = ["USDTTRC20", "BTC", "USDCERC20"];
    for (const [a, amount_usd] of amounts.entries()) {
      for (const [o, order_id] of orderIds.entries()) {
        const p = await createPaymentOk(m.token, { order_id, amount_usd, currency: currencies[(a + o) % 3] });
        if ((a + o) % 2 === 0) await moveTo(p.transaction_id, "completed");
      }
    }
    // The answer as the handler used to build it: json_build_object of the list view, parsed by the
    // driver, then c.json.
    const results = (
      await query<{ s: Record<string, unknown> }>(sql`
        SELECT json_build_object(${summaryFields}) AS s FROM crypto_payments p WHERE p.workspace_id = ${m.workspace.id}
        ORDER BY p.created_at DESC, p.id DESC`)
    ).map((row) => row.s);
    expect(results).toHaveLength(amounts.length * orderIds.length);
    const completed = results.filter((p) => p.status === "completed");
    expect(completed).toHaveLength(8);
    const whole = await listPayments(m.token, "?limit=100");
    assertStatus(whole, 200);
    expect(whole.headers.get("content-type")).toBe("application/json");
    expect(whole.text).toBe(JSON.stringify({ count: 15, total: 15, offset: 0, limit: 100, results }));
    const middle = await listPayments(m.token, "?limit=4&offset=4");
    expect(middle.text).toBe(
      JSON.stringify({ count: 15, total: 15, offset: 4, limit: 4, results: results.slice(4, 8) }),
    );
    const filtered = await listPayments(m.token, "?status=completed&limit=3&offset=6");
    expect(filtered.text).toBe(
      JSON.stringify({ count: 8, total: 15, offset: 6, limit: 3, results: completed.slice(6) }),
    );
  });

  it("answers the spec's exact 400 body for limit=101", async () => {
    const m = await merchant();
    const res = await listPayments(m.token, "?limit=101");
    assertStatus(res, 400);
    expect(res.text).toBe(
      '{"error":{"code":"invalid_request","message":"Invalid filter parameters","details":{"limit":["Ensure this value is less than or equal to 100."]}}}',
    );
  });

  it("answers 400 for each bad parameter, one details entry per parameter", async () => {
    const m = await merchant();
    const cases: [string, Record<string, string[]>][] = [
      ["?limit=0", { limit: ["Ensure this value is greater than or equal to 1."] }],
      ["?limit=-3", { limit: ["Ensure this value is greater than or equal to 1."] }],
      ["?limit=abc", { limit: ["A valid integer is required."] }],
      ["?limit=1.5", { limit: ["A valid integer is required."] }],
      ["?limit=", { limit: ["A valid integer is required."] }],
      ["?limit=99999999999999999999999", { limit: ["Ensure this value is less than or equal to 100."] }],
      ["?offset=-1", { offset: ["Ensure this value is greater than or equal to 0."] }],
      ["?offset=x", { offset: ["A valid integer is required."] }],
      ["?status=done", { status: ["Select a valid choice. done is not one of the available choices."] }],
      ["?status=COMPLETED", { status: ["Select a valid choice. COMPLETED is not one of the available choices."] }],
      ["?limit=5&limit=6", { limit: ["Provide this parameter only once."] }],
      [`?currency=${"X".repeat(65)}`, { currency: ["Ensure this field has no more than 64 characters."] }],
      [
        // The unknown `sort` is ignored; the bad known parameters are each named.
        "?limit=500&offset=-2&status=paid&sort=asc",
        {
          limit: ["Ensure this value is less than or equal to 100."],
          offset: ["Ensure this value is greater than or equal to 0."],
          status: ["Select a valid choice. paid is not one of the available choices."],
        },
      ],
    ];
    for (const [qs, details] of cases) {
      const res = await listPayments(m.token, qs);
      expect(res.status, qs).toBe(400);
      expect(res.json, qs).toEqual(invalidFilters(details));
    }
  });

  it("authenticates before it validates", async () => {
    const res = await listPayments(undefined, "?limit=101");
    assertStatus(res, 401);
    expect(res.json.error.code).toBe("not_authenticated");
  });

  it("never shows another workspace's payments", async () => {
    const a = await specData();
    const b = await merchant();
    await createPaymentOk(b.token, { order_id: "B-ONLY" });
    const res = await listPayments(b.token);
    expect(ids(res)).toEqual(["B-ONLY"]);
    expect(expectStatus(res, 200).count).toBe(1);
    const aList = await listPayments(a.token);
    expect(ids(aList)).not.toContain("B-ONLY");
  });

  it("answers 503 in the spec's envelope when the database is unreachable", async () => {
    const m = await merchant();
    const res = await fetchWithDatabaseDown(
      new Request("https://api.test/payments/", { headers: { authorization: `Bearer ${m.token}` } }),
    );
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: {
        code: "service_unavailable",
        message: "Service temporarily unavailable, retry later",
        request_id: expect.any(String),
      },
    });
  });
});

describe("POST /payments/status/", () => {
  it("returns the full payment with its status history, oldest first", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token, { callback_url: "https://shop.example/hook", order_id: "ORDER-9" });
    await moveTo(p.transaction_id, "confirming", { confirmations: 1, transaction_hash: "0xabc" });
    await moveTo(p.transaction_id, "completed", { confirmations: 20 });
    const res = await paymentStatus(m.token, { transaction_id: p.transaction_id });
    assertStatus(res, 200);
    expect(Object.keys(res.json).sort()).toEqual(DETAIL_FIELDS);
    expect(res.json).toMatchObject({
      transaction_id: p.transaction_id,
      status: "completed",
      order_id: "ORDER-9",
      transaction_hash: "0xabc",
      callback_url: "https://shop.example/hook",
      confirmations: 20,
    });
    expect(res.json.status_history.map((h: { status: string }) => h.status)).toEqual([
      "waiting",
      "confirming",
      "completed",
    ]);
    for (const h of res.json.status_history) expect(h.at).toMatch(ISO_SECONDS);
    const upper = await paymentStatus(m.token, { transaction_id: p.transaction_id.toUpperCase() });
    assertStatus(upper, 200);
  });

  it("answers 404 for an unknown id and for another workspace's payment", async () => {
    const a = await merchant();
    const b = await merchant();
    const p = await createPaymentOk(a.token);
    const unknown = await paymentStatus(a.token, { transaction_id: crypto.randomUUID() });
    assertStatus(unknown, 404);
    expect(unknown.json).toEqual({ error: { code: "not_found", message: "Payment not found." } });
    const foreign = await paymentStatus(b.token, { transaction_id: p.transaction_id });
    assertStatus(foreign, 404);
    expect(foreign.json).toEqual(unknown.json);
  });

  it("answers 400 with details for a bad body", async () => {
    const m = await merchant();
    const cases: [unknown, Record<string, string[]>][] = [
      [{ transaction_id: "123" }, { transaction_id: ["Must be a valid UUID."] }],
      [{ transaction_id: 5 }, { transaction_id: ["Must be a valid UUID."] }],
      [{}, { transaction_id: ["This field is required."] }],
      [{ transaction_id: crypto.randomUUID(), extra: 1 }, { extra: ["Unknown field."] }],
      [JSON.stringify("just a string"), { non_field_errors: ["Invalid data. Expected a JSON object."] }],
    ];
    for (const [body, details] of cases) {
      const res = await paymentStatus(m.token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json).toEqual(invalidBody(details));
    }
  });
});
