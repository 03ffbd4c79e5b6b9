// Spec 002 contract: /v1/account/{accountId}/transactions, add-funds, record-usage.
import { describe, expect, it } from "vitest";
import {
  adjust,
  admin,
  call,
  createAccount,
  createKey,
  createWorkspace,
  importEntry,
  ledgerInvariant,
  query,
  sql,
  tenant,
} from "./helpers";

const ALL = ["transactions.read", "funds.write", "usage.write"];
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UNKNOWN_ID = "0b9f6a52-3f3c-4a51-9d35-6f2f1d1f0c11";

type Headers = Record<string, string>;
const base = (accountId: string) => `/v1/account/${accountId}/transactions`;
const list = (accountId: string, key: string | null, qs = "", headers: Headers = {}) =>
  call("GET", `${base(accountId)}${qs}`, { headers: { ...(key ? { api_key: key } : {}), ...headers } });
const addFunds = (accountId: string, key: string | null, body: unknown, headers: Headers = {}) =>
  call("POST", `${base(accountId)}/add-funds`, { headers: { ...(key ? { api_key: key } : {}), ...headers }, body });
const recordUsage = (accountId: string, key: string | null, body: unknown, headers: Headers = {}) =>
  call("POST", `${base(accountId)}/record-usage`, {
    headers: { ...(key ? { api_key: key } : {}), ...headers },
    body,
  });
const usage = (amount: unknown, extra: Record<string, unknown> = {}) => ({
  details: "100 tokens",
  amount,
  date: "2010-01-01 00:00:00",
  ...extra,
});

async function entries(accountId: string) {
  return query<{
    id: number;
    amount: string;
    balance_after: string;
    source: string;
    type: string;
    description: string | null;
    occurred_at: string;
    metadata: unknown;
  }>(sql`
    SELECT id::int AS id, amount::text AS amount, balance_after::text AS balance_after, source, type, description,
      to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, metadata
    FROM ledger_entries WHERE account_id = ${accountId} ORDER BY id`);
}

async function funded(amount: number, permissions = ALL, account: Record<string, unknown> = { currency: "EUR" }) {
  const t = await tenant(permissions, account);
  if (amount > 0) await adjust(t.account.id, amount, "opening balance");
  return t;
}

const notFound = { error: { code: "not_found", message: "Account not found" } };
const badAccount = { error: { code: "bad_request", message: "Account not found" } };
const unauthorized = { error: { code: "unauthorized", message: "Invalid API key" } };
const insufficient = { error: { code: "insufficient_funds", message: "Insufficient funds" } };

describe("GET /v1/account/{accountId}/transactions", () => {
  it("answers an empty page for an account without entries", async () => {
    const t = await tenant(ALL);
    const res = await list(t.account.id, t.key);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ transactions: [], total: 0, totalPages: 0, currentPage: 1 });
  });

  it("lists recharges and usage newest first with signed amounts, txn ids and millisecond timestamps", async () => {
    const t = await tenant(ALL);
    const added = await addFunds(t.account.id, t.key, { amount: 100 });
    expect(added.status).toBe(200);
    const used = await recordUsage(t.account.id, t.key, usage(15.75, { date: "2030-05-06T07:08:09.123Z" }));
    expect(used.status).toBe(200);
    const rows = await entries(t.account.id);
    const res = await list(t.account.id, t.key);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      transactions: [
        { id: `txn_${rows[1]!.id}`, type: "usage", amount: -15.75, timestamp: "2030-05-06T07:08:09.123Z" },
        { id: added.json.transaction_id, type: "recharge", amount: 100, timestamp: rows[0]!.occurred_at },
      ],
      total: 2,
      totalPages: 1,
      currentPage: 1,
    });
    expect(res.json.transactions[1].timestamp).toMatch(TIMESTAMP);
    expect(added.json.transaction_id).toBe(`txn_${rows[0]!.id}`);
  });

  it("includes portal adjustments and gateway deposits with their own types, counted in total", async () => {
    const t = await tenant(ALL);
    const adjustment = await adjust(t.account.id, 50, "goodwill");
    const deposit = await importEntry(t.account.id, {
      type: "deposit",
      amount: 30,
      description: "SMS top-up",
      occurred_at: "2020-01-01T00:00:00Z",
    });
    const added = await addFunds(t.account.id, t.key, { amount: 5 });
    const res = await list(t.account.id, t.key);
    expect(res.status).toBe(200);
    expect(res.json.total).toBe(3);
    expect(res.json.transactions.map((x: any) => [x.id, x.type, x.amount])).toEqual([
      [added.json.transaction_id, "recharge", 5],
      [`txn_${adjustment.id}`, "adjustment", 50],
      [`txn_${deposit.id}`, "deposit", 30],
    ]);
    expect(res.json.transactions[2].timestamp).toBe("2020-01-01T00:00:00.000Z");
  });

  it("paginates 1-based with total and totalPages, reading deep pages in the same order", async () => {
    const t = await tenant(ALL);
    for (let i = 1; i <= 7; i++) expect((await addFunds(t.account.id, t.key, { amount: i })).status).toBe(200);
    const all = (await entries(t.account.id)).map((e) => `txn_${e.id}`).reverse();
    const pages = [];
    for (let page = 1; page <= 3; page++) {
      const res = await list(t.account.id, t.key, `?page=${page}&pageSize=3`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ total: 7, totalPages: 3, currentPage: page });
      pages.push(...res.json.transactions.map((x: any) => x.id));
    }
    expect(pages).toEqual(all);
    const amounts = (await list(t.account.id, t.key, "?page=2&pageSize=3")).json.transactions.map((x: any) => x.amount);
    expect(amounts).toEqual([4, 3, 2]);
    const past = await list(t.account.id, t.key, "?page=4&pageSize=3");
    expect(past.status).toBe(200);
    expect(past.json).toEqual({ transactions: [], total: 7, totalPages: 3, currentPage: 4 });
    const huge = await list(t.account.id, t.key, "?page=9007199254740991");
    expect(huge.json).toEqual({ transactions: [], total: 7, totalPages: 1, currentPage: 9007199254740991 });
    const exact = await list(t.account.id, t.key, "?pageSize=7");
    expect(exact.json).toMatchObject({ total: 7, totalPages: 1 });
    expect(exact.json.transactions).toHaveLength(7);
  });

  it("defaults to 20 per page and accepts up to 100", async () => {
    const t = await tenant(ALL);
    await Promise.all(Array.from({ length: 21 }, (_, i) => adjust(t.account.id, i + 1)));
    const first = await list(t.account.id, t.key);
    expect(first.json).toMatchObject({ total: 21, totalPages: 2, currentPage: 1 });
    expect(first.json.transactions).toHaveLength(20);
    const second = await list(t.account.id, t.key, "?page=2");
    expect(second.json.transactions).toHaveLength(1);
    const max = await list(t.account.id, t.key, "?pageSize=100");
    expect(max.json).toMatchObject({ total: 21, totalPages: 1 });
    expect(max.json.transactions).toHaveLength(21);
  });

  it.each([
    ["page=0", "page"],
    ["page=-1", "page"],
    ["page=1.5", "page"],
    ["page=abc", "page"],
    ["page=", "page"],
    ["page=99999999999999999", "page"],
    ["pageSize=0", "pageSize"],
    ["pageSize=101", "pageSize"],
    ["pageSize=2.5", "pageSize"],
    ["pageSize=-3", "pageSize"],
    ["page=1&page=2", "page"],
  ])("refuses %s with 400 naming %s", async (qs, field) => {
    const t = await tenant(ALL);
    const res = await list(t.account.id, t.key, `?${qs}`);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("bad_request");
    expect(res.json.error.message).toMatch(new RegExp(`^${field}: `));
    expect(Object.keys(res.json.error.details)).toEqual([field]);
  });

  it("answers 404 Account not found for unknown and malformed ids", async () => {
    const ws = await createWorkspace();
    const key = (await createKey(ws.id, { permissions: ALL })).key;
    for (const id of [UNKNOWN_ID, "not-a-uuid", "123"]) {
      const res = await list(id, key);
      expect(res.status).toBe(404);
      expect(res.json).toEqual(notFound);
    }
  });

  it("hides another workspace's account and another account of a bound key's workspace (404)", async () => {
    const a = await tenant(ALL);
    const b = await tenant(ALL);
    await addFunds(b.account.id, b.key, { amount: 10 });
    const other = await list(b.account.id, a.key);
    expect(other.status).toBe(404);
    expect(other.json).toEqual(notFound);
    const sibling = await createAccount(a.workspace.id);
    const res = await list(sibling.id, a.key);
    expect(res.status).toBe(404);
    expect(res.json).toEqual(notFound);
  });

  it("lets a workspace-wide key read every account of its workspace, matching ids case-insensitively", async () => {
    const t = await tenant(ALL);
    const wide = (await createKey(t.workspace.id, { permissions: ["transactions.read"] })).key;
    await addFunds(t.account.id, t.key, { amount: 10 });
    const res = await list(t.account.id.toUpperCase(), wide);
    expect(res.status).toBe(200);
    expect(res.json.total).toBe(1);
  });

  it("answers 401 without a key, with an unknown key, in the wrong header, and for a revoked key", async () => {
    const t = await tenant(ALL);
    expect((await list(t.account.id, null)).json).toEqual(unauthorized);
    expect((await list(t.account.id, null)).status).toBe(401);
    const unknown = await list(t.account.id, `sk_test_${"A".repeat(32)}`);
    expect(unknown.status).toBe(401);
    expect((await list(t.account.id, "garbage")).status).toBe(401);
    expect((await list(t.account.id, null, "", { "x-api-key": t.key })).status).toBe(401);
    expect((await list(t.account.id, t.key)).status).toBe(200);
    expect((await admin("DELETE", `/api-keys/${t.keyId}`)).status).toBe(204);
    const revoked = await list(t.account.id, t.key);
    expect(revoked.status).toBe(401);
    expect(revoked.json).toEqual(unauthorized);
  });

  it("answers 403 to a key without transactions.read", async () => {
    const t = await tenant(["funds.write", "usage.write"]);
    const res = await list(t.account.id, t.key);
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("forbidden");
    expect(res.json.error.message).toContain("transactions.read");
  });
});

describe("POST /v1/account/{accountId}/transactions/add-funds", () => {
  it("accepts the spec's example body as written and answers the new balance", async () => {
    const t = await tenant(ALL);
    const raw = '{\n"amount": 100\n}';
    const first = await addFunds(t.account.id, t.key, raw);
    expect(first.status).toBe(200);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const second = await addFunds(t.account.id, t.key, raw);
    expect(second.status).toBe(200);
    const rows = await entries(t.account.id);
    expect(first.json).toEqual({ transaction_id: `txn_${rows[0]!.id}`, updated_balance: 100 });
    expect(second.json).toEqual({ transaction_id: `txn_${rows[1]!.id}`, updated_balance: 200 });
    expect(rows.map((r) => [r.source, r.type, r.amount, r.balance_after])).toEqual([
      ["api", "recharge", "100.0000", "100.0000"],
      ["api", "recharge", "100.0000", "200.0000"],
    ]);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "200.0000", sum: "200.0000", count: 2 });
  });

  it("adds 0.1 then 0.2 to exactly 0.3", async () => {
    const t = await tenant(ALL);
    expect((await addFunds(t.account.id, t.key, { amount: 0.1 })).json.updated_balance).toBe(0.1);
    const res = await addFunds(t.account.id, t.key, { amount: 0.2 });
    expect(res.json.updated_balance).toBe(0.3);
    expect(await ledgerInvariant(t.account.id)).toEqual({
      balance: "0.3000",
      sum: "0.3000",
      count: 2,
      lastBalanceAfter: "0.3000",
    });
  });

  it("accepts a decimal string amount and the currency's full precision", async () => {
    const t = await tenant(ALL, { currency: "KWD" });
    const res = await addFunds(t.account.id, t.key, { amount: "12.345" });
    expect(res.status).toBe(200);
    expect(res.json.updated_balance).toBe(12.345);
  });

  it.each([
    ["zero", 0],
    ["negative", -5],
    ["negative zero string", "-0"],
    ["NaN string", "NaN"],
    ["non-numeric string", "abc"],
    ["empty string", ""],
    ["exponent string", "1e3"],
    ["boolean", true],
    ["null", null],
    ["array", [1]],
    ["object", { value: 1 }],
    ["13 integer digits", 1234567890123],
    ["13 integer digits as string", "1234567890123"],
    ["huge float", 1e21],
    ["too many decimals for EUR", 1.001],
    ["too many decimals as string", "0.001"],
    ["tiny exponent", 1e-7],
    ["float noise", 0.1 + 0.2],
  ])("refuses a %s amount with 400 naming amount and posts nothing", async (_, amount) => {
    const t = await tenant(ALL);
    const res = await addFunds(t.account.id, t.key, { amount });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("bad_request");
    expect(res.json.error.message).toMatch(/^amount/);
    expect(Object.keys(res.json.error.details)).toEqual(["amount"]);
    expect((await ledgerInvariant(t.account.id)).count).toBe(0);
  });

  it("refuses decimals a zero-decimal currency does not have", async () => {
    const t = await tenant(ALL, { currency: "JPY" });
    const res = await addFunds(t.account.id, t.key, { amount: 1.5 });
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({
      code: "bad_request",
      message: "amount has more than 0 decimal places allowed for JPY",
      details: { amount: ["has more than 0 decimal places allowed for JPY"] },
    });
    expect((await addFunds(t.account.id, t.key, { amount: 1500 })).json.updated_balance).toBe(1500);
  });

  it("refuses a missing amount, unknown fields, a non-JSON body and a non-object body", async () => {
    const t = await tenant(ALL);
    const missing = await addFunds(t.account.id, t.key, {});
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatchObject({ code: "bad_request", message: "amount: is required" });
    const extra = await addFunds(t.account.id, t.key, { amount: 1, currency: "USD" });
    expect(extra.status).toBe(400);
    expect(extra.json.error.message).toContain("currency");
    const broken = await addFunds(t.account.id, t.key, '{"amount": 1');
    expect(broken.status).toBe(400);
    expect(broken.json.error.code).toBe("bad_request");
    const array = await addFunds(t.account.id, t.key, "[1]");
    expect(array.status).toBe(400);
    const plain = await call("POST", `${base(t.account.id)}/add-funds`, {
      headers: { api_key: t.key, "content-type": "text/plain" },
      body: '{"amount": 1}',
    });
    expect(plain.status).toBe(400);
    expect(plain.json.error).toEqual({ code: "bad_request", message: "Unsupported Media Type" });
    const noBody = await call("POST", `${base(t.account.id)}/add-funds`, { headers: { api_key: t.key } });
    expect(noBody.status).toBe(400);
    expect(noBody.json.error.message).toBe("amount: is required");
    expect((await ledgerInvariant(t.account.id)).count).toBe(0);
  });

  it("refuses a balance beyond the supported range with 400, not 500", async () => {
    const t = await tenant(ALL);
    expect((await addFunds(t.account.id, t.key, { amount: 999999999999.99 })).status).toBe(200);
    const res = await addFunds(t.account.id, t.key, { amount: 1 });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain("amount");
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "999999999999.9900", count: 1 });
  });

  it("funds an account still in setup", async () => {
    const t = await tenant(ALL, { currency: "EUR", status: "setup" });
    const res = await addFunds(t.account.id, t.key, { amount: 25 });
    expect(res.status).toBe(200);
    expect(res.json.updated_balance).toBe(25);
  });

  it("refuses a suspended account with 403 and posts nothing", async () => {
    const t = await tenant(ALL);
    expect((await admin("PATCH", `/accounts/${t.account.id}`, { status: "suspended" })).status).toBe(200);
    const res = await addFunds(t.account.id, t.key, { amount: 25 });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ error: { code: "forbidden", message: "Account is suspended" } });
    expect((await ledgerInvariant(t.account.id)).count).toBe(0);
  });

  it("answers 400 Account not found for unknown, malformed and unreachable accounts, changing nothing", async () => {
    const a = await tenant(ALL);
    const b = await tenant(ALL);
    const sibling = await createAccount(a.workspace.id);
    for (const id of [UNKNOWN_ID, "nope", b.account.id, sibling.id]) {
      const res = await addFunds(id, a.key, { amount: 5 });
      expect(res.status).toBe(400);
      expect(res.json).toEqual(badAccount);
    }
    expect(await ledgerInvariant(b.account.id)).toMatchObject({ balance: "0.0000", count: 0 });
    expect(await ledgerInvariant(sibling.id)).toMatchObject({ balance: "0.0000", count: 0 });
  });

  it("lets a workspace-wide key fund any account of its workspace", async () => {
    const t = await tenant(ALL);
    const sibling = await createAccount(t.workspace.id);
    const wide = (await createKey(t.workspace.id, { permissions: ["funds.write"] })).key;
    const res = await addFunds(sibling.id, wide, { amount: 7 });
    expect(res.status).toBe(200);
    expect(res.json.updated_balance).toBe(7);
  });

  it("answers 401 for missing, unknown and revoked keys and 403 without funds.write", async () => {
    const t = await tenant(ALL);
    expect((await addFunds(t.account.id, null, { amount: 1 })).json).toEqual(unauthorized);
    expect((await addFunds(t.account.id, `sk_live_${"b".repeat(32)}`, { amount: 1 })).status).toBe(401);
    const readOnly = (await createKey(t.workspace.id, { account_id: t.account.id, permissions: ["usage.write"] })).key;
    const forbidden = await addFunds(t.account.id, readOnly, { amount: 1 });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error.message).toContain("funds.write");
    expect((await admin("DELETE", `/api-keys/${t.keyId}`)).status).toBe(204);
    expect((await addFunds(t.account.id, t.key, { amount: 1 })).status).toBe(401);
    expect((await ledgerInvariant(t.account.id)).count).toBe(0);
  });

  it("checks the key before the body (401 beats 400)", async () => {
    const t = await tenant(ALL);
    expect((await addFunds(t.account.id, null, { amount: -1 })).status).toBe(401);
  });
});

describe("POST /v1/account/{accountId}/transactions/record-usage", () => {
  it("accepts the spec's example body as written, date included", async () => {
    const t = await tenant(ALL);
    await addFunds(t.account.id, t.key, { amount: 300 });
    const raw = '{\n"details": "100 tokens",\n"amount": 15.75,\n"date": "2010-01-01 00.00:00",\n"metadata": {}\n}';
    const res = await recordUsage(t.account.id, t.key, raw);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "Usage recorded successfully", new_balance: 284.25 });
    const row = (await entries(t.account.id))[1]!;
    expect(row).toMatchObject({
      source: "api",
      type: "usage",
      amount: "-15.7500",
      balance_after: "284.2500",
      description: "100 tokens",
      occurred_at: "2010-01-01T00:00:00.000Z",
      metadata: {},
    });
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "284.2500", sum: "284.2500", count: 2 });
  });

  it.each([
    ["2010-01-01 00.00:00", "2010-01-01T00:00:00.000Z"],
    ["2010-01-01 13:14:15", "2010-01-01T13:14:15.000Z"],
    ["2010-01-01 13.14.15", "2010-01-01T13:14:15.000Z"],
    ["2010-01-01T13:14:15Z", "2010-01-01T13:14:15.000Z"],
    ["2010-01-01T13:14:15.5Z", "2010-01-01T13:14:15.500Z"],
    ["2010-01-01T13:14:15.123456Z", "2010-01-01T13:14:15.123Z"],
    ["2010-01-01T13:14:15+02:00", "2010-01-01T11:14:15.000Z"],
    ["2010-01-01T01:00:00-0330", "2010-01-01T04:30:00.000Z"],
    ["2010-01-01 13:14", "2010-01-01T13:14:00.000Z"],
    ["2010-01-01", "2010-01-01T00:00:00.000Z"],
    ["2024-02-29 23:59:59", "2024-02-29T23:59:59.000Z"],
  ])("reads the date %s as %s", async (date, stored) => {
    const t = await funded(100);
    const res = await recordUsage(t.account.id, t.key, usage(1, { date }));
    expect(res.status).toBe(200);
    expect((await entries(t.account.id))[1]!.occurred_at).toBe(stored);
    expect((await list(t.account.id, t.key)).json.transactions.find((x: any) => x.type === "usage").timestamp).toBe(
      stored,
    );
  });

  it.each([
    ["impossible day", "2010-02-30 00:00:00"],
    ["not a leap year", "2023-02-29 00:00:00"],
    ["month 13", "2010-13-01 00:00:00"],
    ["hour 24", "2010-01-01 24:00:00"],
    ["minute 60", "2010-01-01 00:60:00"],
    ["words", "yesterday"],
    ["empty", ""],
    ["two-digit year", "10-01-01 00:00:00"],
    ["too old", "1899-12-31 23:59:59"],
    ["number", 1262304000],
    ["missing", undefined],
  ])("refuses a date that is %s with 400 naming date", async (_, date) => {
    const t = await funded(100);
    const res = await recordUsage(t.account.id, t.key, usage(1, { date }));
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("bad_request");
    expect(res.json.error.message).toMatch(/^date: /);
    expect(Object.keys(res.json.error.details)).toEqual(["date"]);
    expect((await ledgerInvariant(t.account.id)).count).toBe(1);
  });

  it.each([
    ["missing", undefined, "is required"],
    ["empty", "", "must not be empty"],
    ["blank", "   ", "must not be empty"],
    ["too long", "x".repeat(501), "must be at most 500 characters"],
    ["a number", 100, "must be a string"],
    ["holding NUL", "a\u0000b", "must not contain NUL characters or unpaired surrogates"],
  ])("refuses details that are %s", async (_, details, problem) => {
    const t = await funded(100);
    const res = await recordUsage(t.account.id, t.key, usage(1, { details }));
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual({ details: [problem] });
    expect((await ledgerInvariant(t.account.id)).count).toBe(1);
  });

  it("stores 500-character details and nested metadata exactly", async () => {
    const t = await funded(100);
    const metadata = { model: "gpt", tokens: { in: 60, out: 40 }, tags: ["a", "b"], price: 0.0001, ok: true };
    const res = await recordUsage(t.account.id, t.key, usage(2.5, { details: "d".repeat(500), metadata }));
    expect(res.status).toBe(200);
    expect(res.json.new_balance).toBe(97.5);
    const row = (await entries(t.account.id))[1]!;
    expect(row.description).toBe("d".repeat(500));
    expect(row.metadata).toEqual(metadata);
  });

  it("records usage without metadata", async () => {
    const t = await funded(100);
    const res = await recordUsage(t.account.id, t.key, usage(1));
    expect(res.status).toBe(200);
    expect((await entries(t.account.id))[1]!.metadata).toBeNull();
  });

  it.each([
    ["an array", [1, 2]],
    ["a string", "x"],
    ["a number", 5],
    ["null", null],
    ["too large", { blob: "x".repeat(9000) }],
    ["too deep", JSON.parse(`${'{"a":'.repeat(40)}1${"}".repeat(40)}`)],
    ["holding NUL", { "k\u0000": 1 }],
    ["holding a lone surrogate", { k: "\ud800" }],
  ])("refuses metadata that is %s", async (_, metadata) => {
    const t = await funded(100);
    const res = await recordUsage(t.account.id, t.key, usage(1, { metadata }));
    expect(res.status).toBe(400);
    expect(Object.keys(res.json.error.details)).toEqual(["metadata"]);
    expect((await ledgerInvariant(t.account.id)).count).toBe(1);
  });

  it.each([
    ["zero", 0],
    ["negative", -1],
    ["non-numeric", "ten"],
    ["too precise", 1.234],
    ["too large", 1e13],
  ])("refuses a %s amount with 400 naming amount", async (_, amount) => {
    const t = await funded(100);
    const res = await recordUsage(t.account.id, t.key, usage(amount));
    expect(res.status).toBe(400);
    expect(Object.keys(res.json.error.details)).toEqual(["amount"]);
    expect((await ledgerInvariant(t.account.id)).count).toBe(1);
  });

  it("refuses usage beyond the balance with insufficient_funds and posts nothing; exactly the balance passes", async () => {
    const t = await funded(10);
    const res = await recordUsage(t.account.id, t.key, usage(10.01));
    expect(res.status).toBe(400);
    expect(res.json).toEqual(insufficient);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "10.0000", count: 1 });
    const all = await recordUsage(t.account.id, t.key, usage(10));
    expect(all.json).toEqual({ status: "Usage recorded successfully", new_balance: 0 });
    expect((await recordUsage(t.account.id, t.key, usage(0.01))).json).toEqual(insufficient);
  });

  it("lets usage run into the overdraft limit and no further", async () => {
    const t = await funded(0, ALL, { currency: "EUR", overdraft_limit: 50 });
    expect((await recordUsage(t.account.id, t.key, usage(49.99))).json.new_balance).toBe(-49.99);
    expect((await recordUsage(t.account.id, t.key, usage(0.02))).json).toEqual(insufficient);
    expect((await recordUsage(t.account.id, t.key, usage(0.01))).json.new_balance).toBe(-50);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "-50.0000", sum: "-50.0000", count: 2 });
  });

  it("refuses a suspended account with 403", async () => {
    const t = await funded(100);
    await admin("PATCH", `/accounts/${t.account.id}`, { status: "suspended" });
    const res = await recordUsage(t.account.id, t.key, usage(1));
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("forbidden");
    expect((await ledgerInvariant(t.account.id)).count).toBe(1);
  });

  it("answers 400 Account not found for unknown and other workspaces' accounts, leaving their balance", async () => {
    const a = await tenant(ALL);
    const b = await funded(100);
    for (const id of [UNKNOWN_ID, "x", b.account.id]) {
      const res = await recordUsage(id, a.key, usage(1));
      expect(res.status).toBe(400);
      expect(res.json).toEqual(badAccount);
    }
    expect(await ledgerInvariant(b.account.id)).toMatchObject({ balance: "100.0000", count: 1 });
  });

  it("answers 401 for missing/revoked keys and 403 without usage.write", async () => {
    const t = await funded(100);
    expect((await recordUsage(t.account.id, null, usage(1))).status).toBe(401);
    const fundsOnly = (await createKey(t.workspace.id, { account_id: t.account.id, permissions: ["funds.write"] })).key;
    const forbidden = await recordUsage(t.account.id, fundsOnly, usage(1));
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error.message).toContain("usage.write");
    await admin("DELETE", `/api-keys/${t.keyId}`);
    expect((await recordUsage(t.account.id, t.key, usage(1))).json).toEqual(unauthorized);
    expect((await ledgerInvariant(t.account.id)).count).toBe(1);
  });
});

describe("Idempotency-Key on add-funds and record-usage", () => {
  const rowCount = async (accountId: string) => (await ledgerInvariant(accountId)).count;

  it("replays add-funds with the same body: identical answer, replay header, nothing posted", async () => {
    const t = await tenant(ALL);
    const headers = { "Idempotency-Key": "order-42" };
    const first = await addFunds(t.account.id, t.key, { amount: 100 }, headers);
    expect(first.status).toBe(200);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await addFunds(t.account.id, t.key, { amount: "100.00" }, headers);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.text).toBe(first.text);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "100.0000", count: 1 });
  });

  it("replays record-usage whatever the metadata key order or date spelling", async () => {
    const t = await funded(100);
    const headers = { "Idempotency-Key": "usage-1" };
    const first = await recordUsage(t.account.id, t.key, usage(15.75, { metadata: { a: 1, b: 2 } }), headers);
    expect(first.json).toEqual({ status: "Usage recorded successfully", new_balance: 84.25 });
    const again = await recordUsage(
      t.account.id,
      t.key,
      usage(15.75, { metadata: { b: 2, a: 1 }, date: "2010-01-01T00:00:00Z" }),
      headers,
    );
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(first.json);
    expect(await rowCount(t.account.id)).toBe(2);
  });

  it("answers 422 for the same key with a different body and posts nothing", async () => {
    const t = await funded(100);
    const headers = { "Idempotency-Key": "k-1" };
    await addFunds(t.account.id, t.key, { amount: 5 }, headers);
    const other = await addFunds(t.account.id, t.key, { amount: 6 }, headers);
    expect(other.status).toBe(422);
    expect(other.json.error.code).toBe("unprocessable");
    const crossRoute = await recordUsage(t.account.id, t.key, usage(5), headers);
    expect(crossRoute.status).toBe(422);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "105.0000", count: 2 });
  });

  it("scopes keys per account", async () => {
    const t = await tenant(ALL);
    const sibling = await createAccount(t.workspace.id);
    const wide = (await createKey(t.workspace.id, { permissions: ALL })).key;
    const headers = { "Idempotency-Key": "same" };
    expect((await addFunds(t.account.id, wide, { amount: 1 }, headers)).headers.get("idempotent-replayed")).toBeNull();
    const res = await addFunds(sibling.id, wide, { amount: 1 }, headers);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    expect(await rowCount(sibling.id)).toBe(1);
  });

  it.each([
    ["too long", "k".repeat(256)],
    ["with a space", "a b"],
    ["with a control character", "a\tb"],
  ])("refuses a key that is %s with 400", async (_, key) => {
    const t = await tenant(ALL);
    const res = await call("POST", `${base(t.account.id)}/add-funds`, {
      headers: { api_key: t.key, "Idempotency-Key": key },
      body: { amount: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain("Idempotency-Key");
    expect(await rowCount(t.account.id)).toBe(0);
  });

  it("posts once for concurrent requests with the same key; the others replay or get 409", async () => {
    const t = await tenant(ALL);
    const headers = { "Idempotency-Key": "burst" };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => addFunds(t.account.id, t.key, { amount: 12.5 }, headers)),
    );
    const originals = results.filter((r) => r.status === 200 && !r.headers.get("idempotent-replayed"));
    const replays = results.filter((r) => r.status === 200 && r.headers.get("idempotent-replayed") === "true");
    const conflicts = results.filter((r) => r.status === 409);
    expect(originals).toHaveLength(1);
    expect(replays.length + conflicts.length).toBe(7);
    for (const r of replays) expect(r.json).toEqual(originals[0]!.json);
    for (const r of conflicts) expect(r.json.error.code).toBe("conflict");
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "12.5000", count: 1 });
    const later = await addFunds(t.account.id, t.key, { amount: 12.5 }, headers);
    expect(later.headers.get("idempotent-replayed")).toBe("true");
    expect(later.json).toEqual(originals[0]!.json);
  });

  it("still checks the API key on a replay", async () => {
    const t = await tenant(ALL);
    const headers = { "Idempotency-Key": "revoked-later" };
    expect((await addFunds(t.account.id, t.key, { amount: 1 }, headers)).status).toBe(200);
    await admin("DELETE", `/api-keys/${t.keyId}`);
    expect((await addFunds(t.account.id, t.key, { amount: 1 }, headers)).status).toBe(401);
  });
});

describe("revocation while the edge cache still knows the key", () => {
  it("refuses reads and writes in the same statement that would serve them", async () => {
    const t = await funded(100);
    expect((await list(t.account.id, t.key)).status).toBe(200); // the key is now cached in KV
    // KV lag cannot be produced through the API: revoke in the database only, leaving the cache entry.
    await query(sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${t.keyId}`);
    const read = await list(t.account.id, t.key);
    expect(read.status).toBe(401);
    expect(read.json).toEqual(unauthorized);
    expect((await addFunds(t.account.id, t.key, { amount: 1 })).json).toEqual(unauthorized);
    expect((await recordUsage(t.account.id, t.key, usage(1))).status).toBe(401);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "100.0000", count: 1 });
  });

  it("never replays a stored answer to a key revoked since", async () => {
    const t = await funded(0);
    const headers = { "Idempotency-Key": "replay-after-revoke" };
    expect((await addFunds(t.account.id, t.key, { amount: 10 }, headers)).status).toBe(200);
    await query(sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${t.keyId}`);
    const replay = await addFunds(t.account.id, t.key, { amount: 10 }, headers);
    expect(replay.status).toBe(401);
    expect(replay.json).toEqual(unauthorized);
    expect(replay.headers.get("idempotent-replayed")).toBeNull();
  });
});

describe("Idempotency-Key on a refused request", () => {
  it("stores an insufficient-funds answer and replays it even after the account was funded", async () => {
    const t = await funded(0);
    const headers = { "Idempotency-Key": "usage-too-early" };
    const first = await recordUsage(t.account.id, t.key, usage(5), headers);
    expect(first.status).toBe(400);
    expect(first.json).toEqual(insufficient);
    await adjust(t.account.id, 10, "top-up");
    const again = await recordUsage(t.account.id, t.key, usage(5), headers);
    expect(again.status).toBe(400);
    expect(again.json).toEqual(insufficient);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "10.0000", count: 1 });
    const fresh = await recordUsage(t.account.id, t.key, usage(5), { "Idempotency-Key": "usage-after-top-up" });
    expect(fresh.json).toEqual({ status: "Usage recorded successfully", new_balance: 5 });
  });
});

describe("OpenAPI", () => {
  it("documents the three routes, the api_key scheme and the error envelope", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.json;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/account/{accountId}/transactions",
        "/v1/account/{accountId}/transactions/add-funds",
        "/v1/account/{accountId}/transactions/record-usage",
      ]),
    );
    expect(doc.components.securitySchemes.accountApiKey).toEqual({ type: "apiKey", in: "header", name: "api_key" });
    expect(doc.components.schemas.AccountTransactionsError).toBeDefined();
    const post = doc.paths["/v1/account/{accountId}/transactions/record-usage"].post;
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "409", "422"]));
    expect(doc.components.schemas.RecordUsageRequest.required).toEqual(
      expect.arrayContaining(["details", "amount", "date"]),
    );
  });
});
