// Spec 002: POST .../transactions/add-funds: the recharge posting, its validation and its refusals.
import { describe, expect, it } from "vitest";
import { ALL, addFunds, badAccount, entries, UNKNOWN_ID, unauthorized } from "./fixtures/account-transactions";
import {
  assertStatus,
  createAccount,
  createKey,
  expectStatus,
  ledgerInvariant,
  revokeKey,
  suspend,
  tenant,
} from "./helpers";

describe("POST /v1/account/{accountId}/transactions/add-funds", () => {
  it("accepts the spec's example body as written and answers the new balance", async () => {
    const t = await tenant(ALL);
    const raw = '{\n"amount": 100\n}';
    const first = await addFunds(t.account.id, t.key, raw);
    assertStatus(first, 200);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const second = await addFunds(t.account.id, t.key, raw);
    assertStatus(second, 200);
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
    expect(expectStatus(await addFunds(t.account.id, t.key, { amount: 0.1 }), 200).updated_balance).toBe(0.1);
    const res = await addFunds(t.account.id, t.key, { amount: 0.2 });
    assertStatus(res, 200);
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
    assertStatus(res, 200);
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
    assertStatus(res, 400);
    expect(res.json.error.code).toBe("bad_request");
    expect(res.json.error.message).toMatch(/^amount/);
    expect(Object.keys(res.json.error.details ?? {})).toEqual(["amount"]);
    expect((await ledgerInvariant(t.account.id)).count).toBe(0);
  });

  it("refuses decimals a zero-decimal currency does not have", async () => {
    const t = await tenant(ALL, { currency: "JPY" });
    const res = await addFunds(t.account.id, t.key, { amount: 1.5 });
    assertStatus(res, 400);
    expect(res.json.error).toEqual({
      code: "bad_request",
      message: "amount has more than 0 decimal places allowed for JPY",
      details: { amount: ["has more than 0 decimal places allowed for JPY"] },
    });
    expect(expectStatus(await addFunds(t.account.id, t.key, { amount: 1500 }), 200).updated_balance).toBe(1500);
  });

  it("refuses a missing amount, unknown fields, a non-JSON body and a non-object body", async () => {
    const t = await tenant(ALL);
    const missing = await addFunds(t.account.id, t.key, {});
    assertStatus(missing, 400);
    expect(missing.json.error).toMatchObject({ code: "bad_request", message: "amount: is required" });
    const extra = await addFunds(t.account.id, t.key, { amount: 1, currency: "USD" });
    assertStatus(extra, 400);
    expect(extra.json.error.message).toContain("currency");
    const broken = await addFunds(t.account.id, t.key, '{"amount": 1');
    assertStatus(broken, 400);
    expect(broken.json.error.code).toBe("bad_request");
    const array = await addFunds(t.account.id, t.key, "[1]");
    assertStatus(array, 400);
    const plain = await addFunds(t.account.id, t.key, '{"amount": 1}', { "content-type": "text/plain" });
    assertStatus(plain, 400);
    expect(plain.json.error).toEqual({ code: "bad_request", message: "Unsupported Media Type" });
    const noBody = await addFunds(t.account.id, t.key, undefined);
    assertStatus(noBody, 400);
    expect(noBody.json.error.message).toBe("amount: is required");
    expect((await ledgerInvariant(t.account.id)).count).toBe(0);
  });

  it("refuses a balance beyond the supported range with 400, not 500", async () => {
    const t = await tenant(ALL);
    expect((await addFunds(t.account.id, t.key, { amount: 999999999999.99 })).status).toBe(200);
    const res = await addFunds(t.account.id, t.key, { amount: 1 });
    assertStatus(res, 400);
    expect(res.json.error.message).toContain("amount");
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "999999999999.9900", count: 1 });
  });

  it("funds an account still in setup", async () => {
    const t = await tenant(ALL, { currency: "EUR", status: "setup" });
    const res = await addFunds(t.account.id, t.key, { amount: 25 });
    assertStatus(res, 200);
    expect(res.json.updated_balance).toBe(25);
  });

  it("refuses a suspended account with 403 and posts nothing", async () => {
    const t = await tenant(ALL);
    await suspend(t.account.id);
    const res = await addFunds(t.account.id, t.key, { amount: 25 });
    assertStatus(res, 403);
    expect(res.json).toEqual({ error: { code: "forbidden", message: "Account is suspended" } });
    expect((await ledgerInvariant(t.account.id)).count).toBe(0);
  });

  it("answers 400 Account not found for unknown, malformed and unreachable accounts, changing nothing", async () => {
    const a = await tenant(ALL);
    const b = await tenant(ALL);
    const sibling = await createAccount(a.workspace.id);
    for (const id of [UNKNOWN_ID, "nope", b.account.id, sibling.id]) {
      const res = await addFunds(id, a.key, { amount: 5 });
      assertStatus(res, 400);
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
    assertStatus(res, 200);
    expect(res.json.updated_balance).toBe(7);
  });

  it("answers 401 for missing, unknown and revoked keys and 403 without funds.write", async () => {
    const t = await tenant(ALL);
    expect((await addFunds(t.account.id, null, { amount: 1 })).json).toEqual(unauthorized);
    expect((await addFunds(t.account.id, `sk_live_${"b".repeat(32)}`, { amount: 1 })).status).toBe(401);
    const readOnly = (await createKey(t.workspace.id, { account_id: t.account.id, permissions: ["usage.write"] })).key;
    const forbidden = await addFunds(t.account.id, readOnly, { amount: 1 });
    assertStatus(forbidden, 403);
    assertStatus(forbidden, 403);
    expect(forbidden.json.error.message).toContain("funds.write");
    await revokeKey(t.keyId);
    expect((await addFunds(t.account.id, t.key, { amount: 1 })).status).toBe(401);
    expect((await ledgerInvariant(t.account.id)).count).toBe(0);
  });

  it("checks the key before the body (401 beats 400)", async () => {
    const t = await tenant(ALL);
    expect((await addFunds(t.account.id, null, { amount: -1 })).status).toBe(401);
  });
});
