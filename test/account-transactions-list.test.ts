// Spec 002: GET /v1/account/{accountId}/transactions (pages, every source's entries, access) and its OpenAPI.
import { describe, expect, it } from "vitest";
import { entryColumns } from "../src/ledger/queries";
import {
  ALL,
  addFunds,
  entries,
  list,
  notFound,
  recordUsage,
  TIMESTAMP,
  UNKNOWN_ID,
  unauthorized,
  usage,
} from "./fixtures/account-transactions";
import {
  adjust,
  createAccount,
  createKey,
  createWorkspace,
  expectStatus,
  importEntry,
  query,
  revokeKey,
  seedEntries,
  sql,
  tenant,
} from "./helpers";
import { openApiDocument } from "./openapi-doc";

describe("GET /v1/account/{accountId}/transactions", () => {
  it("answers an empty page for an account without entries", async () => {
    const t = await tenant(ALL);
    const res = await list(t.account.id, t.key);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ transactions: [], total: 0, totalPages: 0, currentPage: 1 });
  });

  it("lists recharges and usage newest first with signed amounts, txn ids and millisecond timestamps", async () => {
    const t = await tenant(ALL);
    const added = expectStatus(await addFunds(t.account.id, t.key, { amount: 100 }), 200);
    expectStatus(await recordUsage(t.account.id, t.key, usage(15.75, { date: "2010-05-06T07:08:09.123Z" })), 200);
    const rows = await entries(t.account.id);
    const page = expectStatus(await list(t.account.id, t.key), 200);
    expect(page).toEqual({
      transactions: [
        { id: added.transaction_id, type: "recharge", amount: 100, timestamp: rows[0]!.occurred_at },
        { id: `txn_${rows[1]!.id}`, type: "usage", amount: -15.75, timestamp: "2010-05-06T07:08:09.123Z" },
      ],
      total: 2,
      totalPages: 1,
      currentPage: 1,
    });
    expect(page.transactions[0]!.timestamp).toMatch(TIMESTAMP);
    expect(added.transaction_id).toBe(`txn_${rows[0]!.id}`);
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
    const added = expectStatus(await addFunds(t.account.id, t.key, { amount: 5 }), 200);
    const page = expectStatus(await list(t.account.id, t.key), 200);
    expect(page.total).toBe(3);
    expect(page.transactions.map((x) => [x.id, x.type, x.amount])).toEqual([
      [added.transaction_id, "recharge", 5],
      [`txn_${adjustment.id}`, "adjustment", 50],
      [`txn_${deposit.id}`, "deposit", 30],
    ]);
    expect(page.transactions[2]!.timestamp).toBe("2020-01-01T00:00:00.000Z");
  });

  it("paginates 1-based with total and totalPages, reading deep pages in the same order", async () => {
    const t = await tenant(ALL);
    for (let i = 1; i <= 7; i++) expect((await addFunds(t.account.id, t.key, { amount: i })).status).toBe(200);
    const all = (await entries(t.account.id)).map((e) => `txn_${e.id}`).reverse();
    const pages = [];
    for (let page = 1; page <= 3; page++) {
      const body = expectStatus(await list(t.account.id, t.key, `?page=${page}&pageSize=3`), 200);
      expect(body).toMatchObject({ total: 7, totalPages: 3, currentPage: page });
      pages.push(...body.transactions.map((x) => x.id));
    }
    expect(pages).toEqual(all);
    const amounts = expectStatus(await list(t.account.id, t.key, "?page=2&pageSize=3"), 200).transactions.map(
      (x) => x.amount,
    );
    expect(amounts).toEqual([4, 3, 2]);
    const past = await list(t.account.id, t.key, "?page=4&pageSize=3");
    expect(past.status).toBe(200);
    expect(past.json).toEqual({ transactions: [], total: 7, totalPages: 3, currentPage: 4 });
    const huge = await list(t.account.id, t.key, "?page=9007199254740991");
    expect(huge.json).toEqual({ transactions: [], total: 7, totalPages: 1, currentPage: 9007199254740991 });
    const exact = expectStatus(await list(t.account.id, t.key, "?pageSize=7"), 200);
    expect(exact).toMatchObject({ total: 7, totalPages: 1 });
    expect(exact.transactions).toHaveLength(7);
  });

  it("defaults to 20 per page and accepts up to 100", async () => {
    const t = await tenant(ALL);
    await Promise.all(Array.from({ length: 21 }, (_, i) => adjust(t.account.id, i + 1)));
    const first = expectStatus(await list(t.account.id, t.key), 200);
    expect(first).toMatchObject({ total: 21, totalPages: 2, currentPage: 1 });
    expect(first.transactions).toHaveLength(20);
    const second = expectStatus(await list(t.account.id, t.key, "?page=2"), 200);
    expect(second.transactions).toHaveLength(1);
    const max = expectStatus(await list(t.account.id, t.key, "?pageSize=100"), 200);
    expect(max).toMatchObject({ total: 21, totalPages: 1 });
    expect(max.transactions).toHaveLength(21);
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
    const { error } = expectStatus(await list(t.account.id, t.key, `?${qs}`), 400);
    expect(error.code).toBe("bad_request");
    expect(error.message).toMatch(new RegExp(`^${field}: `));
    expect(Object.keys(error.details ?? {})).toEqual([field]);
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
    const res = expectStatus(await list(t.account.id.toUpperCase(), wide), 200);
    expect(res.total).toBe(1);
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
    await revokeKey(t.keyId);
    const revoked = await list(t.account.id, t.key);
    expect(revoked.status).toBe(401);
    expect(revoked.json).toEqual(unauthorized);
  });

  it("answers 403 to a key without transactions.read", async () => {
    const t = await tenant(["funds.write", "usage.write"]);
    const { error } = expectStatus(await list(t.account.id, t.key), 403);
    expect(error.code).toBe("forbidden");
    expect(error.message).toContain("transactions.read");
  });
});

describe("GET /v1/account/{accountId}/transactions, deep pages", () => {
  it("reads every page of a long history, backdated entries included, exactly as a plain offset would", async () => {
    const t = await tenant(ALL);
    // 2,600 entries over 90 days (seeded), then three postings through the API backdated into that range.
    await seedEntries(
      [t.account.id],
      sql`SELECT ${t.account.id}::uuid, 1::numeric, 'EUR', 'api', 'recharge', NULL, i::numeric,
        now() - interval '90 days' + i * interval '49 minutes', i::bigint FROM generate_series(1, 2600) i`,
      "clearing:api",
    );
    for (const days of [80, 45, 3]) {
      const date = new Date(Date.now() - days * 86_400_000).toISOString();
      expect((await recordUsage(t.account.id, t.key, usage(0.5, { date }))).status).toBe(200);
    }
    const expected = await query<{ id: number }>(sql`
      SELECT id::int AS id FROM ledger_entries WHERE account_id = ${t.account.id}
      ORDER BY occurred_at DESC, id DESC`);
    expect(expected).toHaveLength(2603);
    for (const [page, pageSize] of [
      [1, 100],
      [11, 100],
      [12, 100],
      [26, 100],
      [27, 100],
      [51, 50],
      [130, 20],
      [131, 20],
      [2603, 1],
    ] as const) {
      const res = expectStatus(await list(t.account.id, t.key, `?page=${page}&pageSize=${pageSize}`), 200);
      const want = expected.slice((page - 1) * pageSize, page * pageSize).map((e) => `txn_${e.id}`);
      expect(`${page}/${pageSize}: ${res.transactions.map((x) => x.id).join(",")}`).toBe(
        `${page}/${pageSize}: ${want.join(",")}`,
      );
      expect(res.total).toBe(2603);
    }
  });
});

describe("GET /v1/account/{accountId}/transactions, rendering", () => {
  it("answers shallow and deep pages byte for byte as JSON.stringify of the rows mapped as before (PostgreSQL renders the body)", async () => {
    const t = await tenant(ALL);
    // 1,100 entries (seeded: the deep-page branch starts at offset 1,000), then postings from every source.
    await seedEntries(
      [t.account.id],
      sql`SELECT ${t.account.id}::uuid,
          CASE i % 3 WHEN 1 THEN -0.35 * (i % 5 + 1) ELSE 12.5 * (i % 7 + 1) + (i % 3) / 100.0 END,
          'EUR', 'api', (ARRAY['recharge', 'usage', 'recharge'])[i % 3 + 1], NULL, 0,
          now() - interval '60 days' + i * interval '71 minutes', i::bigint
        FROM generate_series(1, 1100) i`,
      "clearing:api",
    );
    for (const amount of [500, 12.5, "98765432109.87", "10.10", 0.01]) {
      expectStatus(await addFunds(t.account.id, t.key, { amount }), 200);
    }
    expectStatus(await recordUsage(t.account.id, t.key, usage(0.35, { date: "2026-01-02T03:04:05.678Z" })), 200);
    await adjust(t.account.id, "-0.50", "goodwill back");
    await importEntry(t.account.id, {
      type: "deposit",
      amount: 30,
      description: "SMS top-up",
      occurred_at: "2020-01-01T00:00:00Z",
    });
    // The answer as the handler used to build it: the rows in the ledger's entry columns, mapped in
    // JavaScript (id, type, Number(amount), timestamp), then c.json.
    const rows = await query<{ id: number; type: string; amount: string; occurred_at: string }>(sql`
      SELECT ${entryColumns} FROM ledger_entries WHERE account_id = ${t.account.id}
      ORDER BY ledger_entries.occurred_at DESC, ledger_entries.id DESC`);
    const transactions = rows.map((e) => ({
      id: `txn_${e.id}`,
      type: e.type,
      amount: Number(e.amount),
      timestamp: e.occurred_at,
    }));
    const total = transactions.length;
    expect(total).toBe(1108);
    expect(transactions.map((x) => x.amount)).toEqual(
      expect.arrayContaining([500, -0.35, 98765432109.87, 10.1, 0.01, -0.5, 12.52]),
    );
    for (const [page, pageSize] of [
      [1, 100],
      [6, 100],
      [11, 100],
      [12, 100],
      [56, 20],
      [1108, 1],
      [1109, 1],
    ] as const) {
      const res = await list(t.account.id, t.key, `?page=${page}&pageSize=${pageSize}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/json");
      const body = {
        transactions: transactions.slice((page - 1) * pageSize, page * pageSize),
        total,
        totalPages: Math.ceil(total / pageSize),
        currentPage: page,
      };
      expect(res.text).toBe(JSON.stringify(body));
    }
  });
});

describe("OpenAPI", () => {
  it("documents the three routes, the api_key scheme and the error envelope", async () => {
    const doc = await openApiDocument();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/account/{accountId}/transactions",
        "/v1/account/{accountId}/transactions/add-funds",
        "/v1/account/{accountId}/transactions/record-usage",
      ]),
    );
    expect(doc.components.securitySchemes.accountApiKey).toEqual({ type: "apiKey", in: "header", name: "api_key" });
    expect(doc.components.schemas.AccountTransactionsError).toBeDefined();
    const post = doc.paths["/v1/account/{accountId}/transactions/record-usage"]?.post;
    expect(Object.keys(post?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "400", "401", "403", "409", "422"]),
    );
    expect(doc.components.schemas.RecordUsageRequest?.required).toEqual(
      expect.arrayContaining(["details", "amount", "date"]),
    );
  });
});
