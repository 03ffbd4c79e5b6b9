// Spec 002: POST .../transactions/record-usage: the usage posting, the overdraft limit, its validation.
import { describe, expect, it } from "vitest";
import {
  ALL,
  addFunds,
  badAccount,
  entries,
  funded,
  insufficient,
  list,
  recordUsage,
  UNKNOWN_ID,
  unauthorized,
  usage,
} from "./fixtures/account-transactions";
import { assertStatus, createKey, expectStatus, ledgerInvariant, revokeKey, suspend, tenant } from "./helpers";

describe("POST /v1/account/{accountId}/transactions/record-usage", () => {
  it("accepts the spec's example body as written, date included", async () => {
    const t = await tenant(ALL);
    await addFunds(t.account.id, t.key, { amount: 300 });
    const raw = '{\n"details": "100 tokens",\n"amount": 15.75,\n"date": "2010-01-01 00.00:00",\n"metadata": {}\n}';
    const res = await recordUsage(t.account.id, t.key, raw);
    assertStatus(res, 200);
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
    assertStatus(res, 200);
    expect((await entries(t.account.id))[1]!.occurred_at).toBe(stored);
    expect(
      expectStatus(await list(t.account.id, t.key), 200).transactions.find((x) => x.type === "usage")?.timestamp,
    ).toBe(stored);
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
    assertStatus(res, 400);
    expect(res.json.error.code).toBe("bad_request");
    expect(res.json.error.message).toMatch(/^date: /);
    expect(Object.keys(res.json.error.details!)).toEqual(["date"]);
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
    assertStatus(res, 400);
    expect(res.json.error.details!).toEqual({ details: [problem] });
    expect((await ledgerInvariant(t.account.id)).count).toBe(1);
  });

  it("stores 500-character details and nested metadata exactly", async () => {
    const t = await funded(100);
    const metadata = { model: "gpt", tokens: { in: 60, out: 40 }, tags: ["a", "b"], price: 0.0001, ok: true };
    const res = await recordUsage(t.account.id, t.key, usage(2.5, { details: "d".repeat(500), metadata }));
    assertStatus(res, 200);
    expect(res.json.new_balance).toBe(97.5);
    const row = (await entries(t.account.id))[1]!;
    expect(row.description).toBe("d".repeat(500));
    expect(row.metadata).toEqual(metadata);
  });

  it("records usage without metadata", async () => {
    const t = await funded(100);
    const res = await recordUsage(t.account.id, t.key, usage(1));
    assertStatus(res, 200);
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
    assertStatus(res, 400);
    expect(Object.keys(res.json.error.details!)).toEqual(["metadata"]);
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
    assertStatus(res, 400);
    expect(Object.keys(res.json.error.details!)).toEqual(["amount"]);
    expect((await ledgerInvariant(t.account.id)).count).toBe(1);
  });

  it("refuses usage beyond the balance with insufficient_funds and posts nothing; exactly the balance passes", async () => {
    const t = await funded(10);
    const res = await recordUsage(t.account.id, t.key, usage(10.01));
    assertStatus(res, 400);
    expect(res.json).toEqual(insufficient);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "10.0000", count: 1 });
    const all = await recordUsage(t.account.id, t.key, usage(10));
    expect(all.json).toEqual({ status: "Usage recorded successfully", new_balance: 0 });
    expect((await recordUsage(t.account.id, t.key, usage(0.01))).json).toEqual(insufficient);
  });

  it("lets usage run into the overdraft limit and no further", async () => {
    const t = await funded(0, ALL, { currency: "EUR", overdraft_limit: 50 });
    expect(expectStatus(await recordUsage(t.account.id, t.key, usage(49.99)), 200).new_balance).toBe(-49.99);
    expect((await recordUsage(t.account.id, t.key, usage(0.02))).json).toEqual(insufficient);
    expect(expectStatus(await recordUsage(t.account.id, t.key, usage(0.01)), 200).new_balance).toBe(-50);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "-50.0000", sum: "-50.0000", count: 2 });
  });

  it("refuses a suspended account with 403", async () => {
    const t = await funded(100);
    await suspend(t.account.id);
    const res = await recordUsage(t.account.id, t.key, usage(1));
    assertStatus(res, 403);
    expect(res.json.error.code).toBe("forbidden");
    expect((await ledgerInvariant(t.account.id)).count).toBe(1);
  });

  it("answers 400 Account not found for unknown and other workspaces' accounts, leaving their balance", async () => {
    const a = await tenant(ALL);
    const b = await funded(100);
    for (const id of [UNKNOWN_ID, "x", b.account.id]) {
      const res = await recordUsage(id, a.key, usage(1));
      assertStatus(res, 400);
      expect(res.json).toEqual(badAccount);
    }
    expect(await ledgerInvariant(b.account.id)).toMatchObject({ balance: "100.0000", count: 1 });
  });

  it("answers 401 for missing/revoked keys and 403 without usage.write", async () => {
    const t = await funded(100);
    expect((await recordUsage(t.account.id, null, usage(1))).status).toBe(401);
    const fundsOnly = (await createKey(t.workspace.id, { account_id: t.account.id, permissions: ["funds.write"] })).key;
    const forbidden = await recordUsage(t.account.id, fundsOnly, usage(1));
    assertStatus(forbidden, 403);
    expect(forbidden.json.error.message).toContain("usage.write");
    await revokeKey(t.keyId);
    expect((await recordUsage(t.account.id, t.key, usage(1))).json).toEqual(unauthorized);
    expect((await ledgerInvariant(t.account.id)).count).toBe(1);
  });
});
