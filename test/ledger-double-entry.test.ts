// Double-entry (issue 19): every money movement of every surface is one ledger transaction whose legs sum
// to zero, the database refuses anything else, system accounts never make writers queue, and the back
// office reads postings in their true order.
import { env } from "cloudflare:test";
import { z } from "@hono/zod-openapi";
import type { SQL } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  ADMIN,
  adjust,
  adminCall,
  callRoute,
  callRouteUnchecked,
  createAccount,
  createWorkspace,
  expectStatus,
  importEntry,
  ledgerInvariant,
  query,
  routes,
  sql,
  tenant,
} from "./helpers";
import { gatewayEvent, storyAccount } from "./story-helpers";

type Leg = { code: string; amount: string };

const errorText = (e: unknown) => String(e instanceof Error && e.cause instanceof Error ? e.cause.message : e);

/** The locks the held-posting stand-in reports (pg_locks rows of its held session and the others). */
const Locks = z.array(z.object({ relname: z.string().nullable(), mode: z.string(), granted: z.boolean() }));
const locks = async () => Locks.parse(await (await fetch(`${env.HELD_POSTING_URL}/locks`)).json());

describe("double-entry: every movement is a balanced transaction", () => {
  it("gives every posting of every surface and webhook its counter-leg on the system account of its path", async () => {
    const story = await storyAccount();
    const rows = await query<{ source: string; type: string; amount: string; legs: Leg[]; transaction_id: number }>(sql`
      SELECT e.source, e.type, e.amount::text AS amount, e.transaction_id::int AS transaction_id,
        (SELECT json_agg(json_build_object('code', l.account_code, 'amount', l.amount::text)) FROM system_legs l
         WHERE l.transaction_id = e.transaction_id) AS legs
      FROM ledger_entries e WHERE e.account_id = ${story.accountId} ORDER BY e.seq`);
    expect(rows.map((r) => [r.source, r.type, r.amount, r.legs])).toEqual([
      ["portal", "adjustment", "100.0000", [{ code: "adjustments:portal", amount: "-100.0000" }]],
      ["sms_gateway", "deposit", "20.5000", [{ code: "clearing:sms_gateway", amount: "-20.5000" }]],
      ["sms_gateway", "usage", "-0.3500", [{ code: "revenue:usage", amount: "0.3500" }]],
      ["sms_gateway", "reversal", "0.3500", [{ code: "revenue:usage", amount: "-0.3500" }]],
      ["mobile_money", "deposit", "12.4000", [{ code: "clearing:mobile_money", amount: "-12.4000" }]],
      ["api", "recharge", "30.0000", [{ code: "clearing:api", amount: "-30.0000" }]],
      ["api", "usage", "-15.7500", [{ code: "revenue:usage", amount: "15.7500" }]],
      ["portal", "deposit", "50.0000", [{ code: "clearing:manual", amount: "-50.0000" }]],
      ["portal", "deposit", "5.0000", [{ code: "clearing:manual", amount: "-5.0000" }]],
      ["portal", "reversal", "-5.0000", [{ code: "clearing:manual", amount: "5.0000" }]],
      ["crypto", "deposit", "10.0000", [{ code: "clearing:crypto", amount: "-10.0000" }]],
    ]);
    expect(new Set(rows.map((r) => r.transaction_id)).size).toBe(rows.length);

    const first = rows[1];
    const txId = String(first?.transaction_id);
    const { getLedgerTransaction } = routes.ledger;
    const tx = await adminCall(getLedgerTransaction, { params: { transaction_id: txId } });
    expect(expectStatus(tx, 200)).toEqual({
      id: first?.transaction_id,
      effective_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      posted_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      legs: [
        { account: story.accountId, amount: "20.50", currency: "USD" },
        { account: "clearing:sms_gateway", amount: "-20.50", currency: "USD" },
      ],
    });
    expect((await adminCall(getLedgerTransaction, { params: { transaction_id: "999999999999" } })).status).toBe(404);
    expect((await callRouteUnchecked(getLedgerTransaction, { params: { transaction_id: "abc" } }, ADMIN)).status).toBe(
      400,
    );
    expect((await callRoute(getLedgerTransaction, { params: { transaction_id: txId } })).status).toBe(401);
  });

  it("answers a trial balance that is zero in every currency, with each system account", async () => {
    const t = await tenant(["balance.read"], { currency: "XOF" });
    await adjust(t.account.id, "1500");
    await importEntry(t.account.id, { type: "deposit", amount: "200", description: "gateway history" });
    const { currencies } = expectStatus(await adminCall(routes.ledger.getTrialBalance, {}), 200);
    for (const c of currencies) expect(c.total).toMatch(/^0(\.0+)?$/);
    const xof = currencies.find((c) => c.currency === "XOF");
    if (!xof) throw new Error("no XOF in the trial balance");
    // XOF has no minor units: amounts render without decimals.
    expect(xof.total).toBe("0");
    const codes = xof.system_accounts.map((s) => s.code);
    expect(codes).toEqual(expect.arrayContaining(["adjustments:portal", "clearing:sms_gateway"]));
    // total = customer_total + every system balance, exactly.
    const systems = xof.system_accounts.reduce((sum, s) => sum + BigInt(s.balance), 0n);
    expect(BigInt(xof.customer_total) + systems).toBe(0n);
  });

  it("lists a system account's legs newest first with a cursor, and refuses unknown codes and currencies", async () => {
    const t = await tenant(["balance.read"], { currency: "CHF" });
    for (const amount of ["1.10", "2.20", "3.30"]) await adjust(t.account.id, amount);
    const { listSystemAccountEntries } = routes.ledger;
    const portal = { code: "adjustments:portal" };
    const page1 = expectStatus(
      await adminCall(listSystemAccountEntries, { params: portal, query: { currency: "CHF", limit: "2" } }),
      200,
    );
    expect(page1.entries.map((e) => e.amount).slice(0, 2)).toEqual(["-3.30", "-2.20"]);
    expect(page1.entries[0]).toEqual({
      transaction_id: expect.any(Number),
      amount: "-3.30",
      currency: "CHF",
      effective_at: expect.any(String),
      posted_at: expect.any(String),
    });
    const cursor = page1.next_cursor ?? "";
    const page2 = expectStatus(
      await adminCall(listSystemAccountEntries, { params: portal, query: { currency: "CHF", limit: "2", cursor } }),
      200,
    );
    expect(page2.entries[0]?.amount).toBe("-1.10");
    const refused = (code: string, query: string) =>
      callRouteUnchecked(listSystemAccountEntries, { params: { code }, query }, ADMIN);
    expect((await refused("nope:x", "?currency=CHF")).status).toBe(400);
    expect((await refused("revenue:usage", "")).status).toBe(400);
    expect((await refused("revenue:usage", "?currency=chf")).status).toBe(400);
    expect((await refused("revenue:usage", "?currency=CHF&cursor=garbage")).status).toBe(400);
  });
});

describe("currencies: one table of ISO 4217 minor units", () => {
  it("refuses an account in a currency the table does not list, and keeps each currency's precision", async () => {
    const ws = await createWorkspace();
    const unknown = await adminCall(routes.accounts.createAccount, {
      params: { workspace_id: ws.id },
      json: { currency: "ZZZ" },
    });
    expect(expectStatus(unknown, 400).error.details).toEqual({ currency: ["unknown currency"] });
    const [kwd] = await query<{ minor_units: number }>(sql`SELECT minor_units FROM currencies WHERE code = 'KWD'`);
    expect(kwd?.minor_units).toBe(3);
    const account = await createAccount(ws.id, { currency: "KWD" });
    const adjustment = (amount: string, description: string) =>
      adminCall(routes.entries.createAdjustment, { params: { account_id: account.id }, json: { amount, description } });
    expect((await adjustment("1.234", "fils")).status).toBe(201);
    const refused = await adjustment("1.2345", "too fine");
    expect(expectStatus(refused, 400).error.message).toBe("amount has more than 3 decimal places allowed for KWD");
    expect((await ledgerInvariant(account.id)).count).toBe(1);
  });
});

describe("double-entry: the database refuses what does not balance, whoever writes", () => {
  it("refuses a one-legged transaction at commit", async () => {
    const t = await tenant(["balance.read"]);
    await expect(
      query(sql`
        INSERT INTO ledger_entries (account_id, amount, currency, source, type, balance_after, transaction_id, seq)
        VALUES (${t.account.id}, 1, 'EUR', 'portal', 'adjustment', 1, nextval('ledger_transaction_id_seq'), 1)`),
    ).rejects.toSatisfy((e) => /unbalanced/.test(errorText(e)));
    expect((await ledgerInvariant(t.account.id)).count).toBe(0);
  });

  it("refuses legs that do not sum to zero, and a leg added to an old transaction", async () => {
    const t = await tenant(["balance.read"]);
    await expect(
      query(sql`
        WITH e AS (
          INSERT INTO ledger_entries (account_id, amount, currency, source, type, balance_after, transaction_id, seq)
          VALUES (${t.account.id}, 1, 'EUR', 'portal', 'adjustment', 1, nextval('ledger_transaction_id_seq'), 1)
          RETURNING transaction_id)
        INSERT INTO system_legs (transaction_id, account_code, currency, amount, effective_at)
        SELECT transaction_id, 'adjustments:portal', 'EUR', -2, now() FROM e`),
    ).rejects.toSatisfy((e) => /unbalanced/.test(errorText(e)));
    const posted = await adjust(t.account.id, "5");
    await expect(
      query(sql`
        INSERT INTO system_legs (transaction_id, account_code, currency, amount, effective_at)
        VALUES (${posted.transaction_id}, 'adjustments:portal', 'EUR', -5, now())`),
    ).rejects.toSatisfy((e) => /unbalanced/.test(errorText(e)));
    const [legs] = await query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM system_legs WHERE transaction_id = ${posted.transaction_id}`,
    );
    expect(legs?.n).toBe(1);
  });

  it("checks each currency of a transaction whose legs span currencies", async () => {
    const t = await tenant(["balance.read"]);
    const { createDatabase } = await import("../src/db/client");
    const db = createDatabase(env);
    const legs = (systemLegs: SQL) => sql`
      WITH e AS (
        INSERT INTO ledger_entries (account_id, amount, currency, source, type, balance_after, transaction_id, seq)
        VALUES (${t.account.id}, 1, 'EUR', 'portal', 'adjustment', 1, nextval('ledger_transaction_id_seq'), 1)
        RETURNING transaction_id)
      INSERT INTO system_legs (transaction_id, account_code, currency, amount, effective_at)
      SELECT e.transaction_id, l.code, l.currency, l.amount, now() FROM e, (VALUES ${systemLegs}) l(code, currency, amount)`;
    // Sums to zero over all legs, not in EUR nor in USD.
    await expect(
      query(legs(sql`('adjustments:portal', 'EUR', 2), ('adjustments:portal', 'USD', -3)`)),
    ).rejects.toSatisfy((e) => /unbalanced/.test(errorText(e)));
    // Zero in each currency: the check lets it through (made immediate, then undone by the batch's own error).
    await expect(
      db.batch([
        db.execute(sql`SET CONSTRAINTS ALL IMMEDIATE`),
        db.execute(
          legs(sql`('adjustments:portal', 'EUR', -1), ('adjustments:portal', 'USD', 3), ('clearing:api', 'USD', -3)`),
        ),
        db.execute(sql`SELECT 1 / 0`),
      ]),
    ).rejects.toSatisfy((e) => /division by zero/.test(errorText(e)));
    expect((await ledgerInvariant(t.account.id)).count).toBe(0);
  });

  it("checks again when a writer makes the check immediate and adds a leg in a later statement", async () => {
    const t = await tenant(["balance.read"]);
    const { createDatabase } = await import("../src/db/client");
    const db = createDatabase(env);
    const leg = (amount: number) => sql`
      INSERT INTO system_legs (transaction_id, account_code, currency, amount, effective_at)
      VALUES (currval('ledger_transaction_id_seq'), 'adjustments:portal', 'EUR', ${amount}, now())`;
    await expect(
      db.batch([
        db.execute(sql`SET CONSTRAINTS ALL IMMEDIATE`),
        db.execute(sql`
          WITH e AS (
            INSERT INTO ledger_entries (account_id, amount, currency, source, type, balance_after, transaction_id, seq)
            VALUES (${t.account.id}, 1, 'EUR', 'portal', 'adjustment', 1, nextval('ledger_transaction_id_seq'), 1)
            RETURNING transaction_id)
          INSERT INTO system_legs (transaction_id, account_code, currency, amount, effective_at)
          SELECT transaction_id, 'adjustments:portal', 'EUR', -1, now() FROM e`),
        db.execute(leg(-7)),
      ]),
    ).rejects.toSatisfy((e) => /unbalanced/.test(errorText(e)));
    expect((await ledgerInvariant(t.account.id)).count).toBe(0);
  });

  it("never lets a system leg be updated or deleted", async () => {
    const t = await tenant(["balance.read"]);
    const posted = await adjust(t.account.id, "1");
    await expect(
      query(sql`UPDATE system_legs SET amount = 2 WHERE transaction_id = ${posted.transaction_id}`),
    ).rejects.toSatisfy((e) => /append-only/.test(errorText(e)));
    await expect(query(sql`DELETE FROM system_legs WHERE transaction_id = ${posted.transaction_id}`)).rejects.toSatisfy(
      (e) => /append-only/.test(errorText(e)),
    );
  });
});

describe("double-entry: system accounts are no hot spot", () => {
  it("posts to another customer account through the same upstream while a posting holds its locks open", async () => {
    const a = await tenant(["balance.read"]);
    const b = await tenant(["balance.read"]);
    const hold = await fetch(`${env.HELD_POSTING_URL}/hold`, {
      method: "POST",
      body: JSON.stringify({ account_id: a.account.id, amount: "5", counter: "clearing:sms_gateway" }),
    });
    expect(hold.status).toBe(200);
    try {
      // The held session has locked account a's row and a clearing:sms_gateway balance slot.
      const before = await locks();
      expect(before).toContainEqual(
        expect.objectContaining({ relname: "system_balances", mode: "RowExclusiveLock", granted: true }),
      );
      expect(before).toContainEqual(
        expect.objectContaining({ relname: "accounts", mode: "RowExclusiveLock", granted: true }),
      );
      // Another account's deposit through the same upstream completes while those locks are held...
      const res = await gatewayEvent({ type: "deposit.received", data: { account_id: b.account.id, amount: "7" } });
      expect(res.status).toBe(200);
      expect((await ledgerInvariant(b.account.id)).balance).toBe("7.0000");
      // ...and nothing waited on a lock: the held session still holds its slot, and no lock is ungranted.
      const after = await locks();
      expect(after.filter((l) => !l.granted)).toEqual([]);
      expect(after).toContainEqual(
        expect.objectContaining({ relname: "system_balances", mode: "RowExclusiveLock", granted: true }),
      );
    } finally {
      await fetch(`${env.HELD_POSTING_URL}/release`, { method: "POST" });
    }
    expect((await ledgerInvariant(a.account.id)).count).toBe(0);
  });
});

describe("double-entry: two clocks", () => {
  it("lists entries in posting order, each balance_after minus its amount being the next row's", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    await adjust(acct.id, "100");
    // Three backdated usage charges, the later-posted ones with earlier effective dates.
    for (const [amount, day] of [
      ["-29", "2026-06-03"],
      ["-2.50", "2026-06-01"],
      ["-71", "2026-06-02"],
    ] as const) {
      await importEntry(acct.id, { type: "usage", amount, description: "late", occurred_at: `${day}T10:00:00Z` });
    }
    const { listEntries } = routes.entries;
    const params = { account_id: acct.id };
    const { entries } = expectStatus(await adminCall(listEntries, { params, query: { limit: "10" } }), 200);
    expect(entries.map((e) => e.balance_after)).toEqual([-2.5, 68.5, 71, 100]);
    for (let i = 0; i + 1 < entries.length; i++) {
      const [row, next] = [entries[i], entries[i + 1]];
      expect(Math.round(((row?.balance_after ?? 0) - (row?.amount ?? 0)) * 100)).toBe(
        Math.round((next?.balance_after ?? 0) * 100),
      );
      expect((row?.posted_at ?? "") >= (next?.posted_at ?? "")).toBe(true);
    }
    expect(entries[0]?.effective_at).toBe("2026-06-02T10:00:00.000Z");
    expect(entries[0]?.occurred_at).toBe(entries[0]?.effective_at);
    const page = expectStatus(await adminCall(listEntries, { params, query: { limit: "2" } }), 200);
    const cursor = page.next_cursor ?? "";
    const rest = expectStatus(await adminCall(listEntries, { params, query: { limit: "2", cursor } }), 200);
    expect(rest.entries.map((e) => e.balance_after)).toEqual([71, 100]);
    expect(rest.next_cursor).toBeNull();
  });

  it("refuses a record-usage date more than 5 minutes ahead with nothing posted, and takes past dates", async () => {
    const t = await tenant(["funds.write", "usage.write"]);
    const params = { accountId: t.account.id };
    const key = { api_key: t.key };
    const funded = await callRoute(routes.accountTransactions.addFunds, { params, json: { amount: 50 } }, key);
    expect(funded.status).toBe(200);
    const usage = (date: string) =>
      callRoute(routes.accountTransactions.recordUsage, { params, json: { details: "x", amount: 1, date } }, key);
    const future = await usage("2099-01-01 00:00:00");
    expect(expectStatus(future, 400)).toEqual({
      error: {
        code: "bad_request",
        message: expect.stringContaining("date"),
        details: { date: ["must not be more than 5 minutes in the future"] },
      },
    });
    const soon = new Date(Date.now() + 6 * 60_000).toISOString();
    expect((await usage(soon)).status).toBe(400);
    expect((await ledgerInvariant(t.account.id)).count).toBe(1);
    expect((await usage(new Date(Date.now() + 60_000).toISOString())).status).toBe(200);
    expect((await usage("2010-01-01 00.00:00")).status).toBe(200);
    expect((await ledgerInvariant(t.account.id)).count).toBe(3);
  });
});
