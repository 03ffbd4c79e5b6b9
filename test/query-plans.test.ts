// Every list query is index-backed at a million rows. The statements are the app's own: each list
// function runs against a database wrapper that EXPLAINs every statement it is given before running
// it, so this file cannot drift from the code. A plan fails on a sequential scan of a large table, and
// on a Sort above one (the index did not give the order, so every request sorts the whole history).
import { beforeAll, describe, expect, it } from "vitest";
import { accountDetail, balanceHistory, listAccounts } from "../src/apis/admin/accounts/queries";
import { listDeliveries } from "../src/apis/admin/deliveries/queries";
import { CSV_CHUNK_ROWS } from "../src/apis/admin/entries/csv";
import { listEntries } from "../src/apis/admin/entries/queries";
import { ledgerTransaction, systemAccountEntries } from "../src/apis/admin/ledger/queries";
import { overview } from "../src/apis/admin/overview/queries";
import { listWorkspaces, workspaceDetail } from "../src/apis/admin/workspaces/queries";
import { listPayments as listCryptoPayments } from "../src/apis/crypto-payments/queries";
import { listPayments as listMobileMoneyPayments } from "../src/apis/paiements/queries";
import { listPayments as listSmsPayments } from "../src/apis/sms-payments/queries";
import { historyPage } from "../src/apis/user-payments/queries";
import { entriesPage } from "../src/ledger/queries";
import {
  expectIndexBacked,
  explain,
  measure,
  type PlanContext,
  planProblems,
  seedAtScale,
} from "./fixtures/query-plans";
import { query, sql } from "./helpers";

let ctx: PlanContext;

beforeAll(async () => {
  ctx = await seedAtScale();
}, 180_000);

describe("spec 000 history (historyPage) at a million entries", () => {
  const page = (filter: Omit<Parameters<typeof historyPage>[2], "accountId">) =>
    explain((db) => historyPage(db, ctx.keyId, { accountId: ctx.accountId, ...filter }, 100));

  it("reads the first page from the account's time index", async () => {
    expectIndexBacked(await page({ view: "all" }));
  });

  it("reads the partial-gateway view (portal only) from an index", async () => {
    expectIndexBacked(await page({ view: "portal" }));
  });

  it("reads a deep cursor page from an index", async () => {
    expectIndexBacked(await page({ view: "all", before: ctx.deep }));
  });

  it("reads every mapped type, date-range and combined filter from an index, in both views", async () => {
    const from = new Date(Date.now() - 400 * 86_400_000);
    const to = new Date(Date.now() - 200 * 86_400_000);
    for (const view of ["all", "portal"] as const) {
      for (const filter of [
        { type: "usage" },
        { type: "deposit" },
        { type: "adjustment" },
        { from, to },
        { type: "deposit", from, to, before: ctx.deep },
        { type: "adjustment", before: ctx.deep },
      ] as const) {
        expectIndexBacked(await page({ view, ...filter }));
      }
    }
  });
});

describe("spec 002 transactions (entriesPage) at a million entries", () => {
  it("counts and reads page 1 from indexes", async () => {
    const plans = await explain((db) => entriesPage(db, ctx.keyId, ctx.workspaceId, ctx.accountId, 0, 20));
    // One statement (issue 11): the counter and the page together.
    expect(plans).toHaveLength(1);
    expectIndexBacked(plans);
  });

  it("reads deep pages (the middle, near the end) from the per-day counts (ledger_page_start) and one day of the time index", async () => {
    for (const offset of [Math.floor(ctx.total / 2), ctx.total - 40]) {
      const plans = await explain((db) => entriesPage(db, ctx.keyId, ctx.workspaceId, ctx.accountId, offset, 20));
      expect(plans).toHaveLength(1);
      expect(plans[0]?.statement).toMatch(/ledger_page_start/);
      expectIndexBacked(plans);
    }
  });
});

describe("spec 001 mobile-money payments (paiements listPayments)", () => {
  const base = () => ({ apiKeyId: ctx.keyId, workspaceId: ctx.workspaceId });
  // Whole days inside the range come from day buckets; its edges are mid-day on purpose.
  const dateTo = Math.floor(Date.now() / 1000) - 30 * 86_400 + 3_600;
  const dateFrom = dateTo - 60 * 86_400 - 7_200;

  it("lists with and without each filter in one index-backed statement", async () => {
    for (const [filter, offset] of [
      [{}, 0],
      [{}, 40_000],
      [{}, 90_000],
      [{ status: "COMPLETE" }, 0],
      [{ status: "COMPLETE" }, 40_000],
      [{ transactionType: "PAYMENT" }, 0],
      [{ dateFrom, dateTo }, 0],
      [{ dateFrom }, 0],
      [{ dateTo }, 0],
      [{ dateFrom, dateTo: dateFrom + 600 }, 0],
      [{ status: "FAILED", transactionType: "RECHARGE", dateFrom, dateTo }, 0],
    ] as const) {
      const plans = await explain((db) => listMobileMoneyPayments(db, { ...base(), ...filter }, offset, 20));
      expect(plans).toHaveLength(1);
      expectIndexBacked(plans);
    }
  });

  it("reads the page's rows, not the key's: totals come from counters, date ranges count only their edge days", async () => {
    const read = async (filter: object, offset: number) => {
      const [rows] = await measure((db) => listMobileMoneyPayments(db, { ...base(), ...filter }, offset, 20));
      return rows?.mobile_money_payments ?? 0;
    };
    // 20 keys, then the same 20 rows by primary key.
    expect(await read({}, 0)).toBe(40);
    expect(await read({ status: "COMPLETE" }, 0)).toBe(40);
    // A payment every 5 minutes: 288 a day, so two edge days are at most 576 rows (plus the page).
    expect(await read({ dateFrom, dateTo }, 0)).toBeLessThanOrEqual(2 * 288 + 40);
    // 90,000 of 100,000 deep: read from the oldest end, 10,000 keys at most.
    expect(await read({}, 90_000)).toBeLessThanOrEqual(10_000 + 40);
  });
});

describe("spec 003 SMS payments (sms-payments listPayments)", () => {
  it("lists the first page and deep offsets in one index-backed statement", async () => {
    for (const offset of [0, 20_000, 45_000]) {
      const plans = await explain((db) => listSmsPayments(db, ctx.member, 50, offset));
      expect(plans).toHaveLength(1);
      expectIndexBacked(plans);
    }
  });

  it("reads the page's rows only: the total is the workspace's counter", async () => {
    const [first] = await measure((db) => listSmsPayments(db, ctx.member, 50, 0));
    expect(first?.sms_payments).toBe(100);
    // 47,500 visible payments; 45,000 deep is read from the oldest end.
    const [deep] = await measure((db) => listSmsPayments(db, ctx.member, 50, 45_000));
    expect(deep?.sms_payments).toBeLessThanOrEqual(2_500 + 100);
  });
});

describe("spec 004 crypto payments (crypto-payments listPayments)", () => {
  const filters = [
    {},
    { status: "completed" },
    { currency: "USDTTRC20" },
    { blockchain: "TRX" },
    { token: "USDT" },
    { status: "completed", currency: "USDTTRC20", blockchain: "TRX", token: "USDT" },
  ] as const;

  it("lists with and without each filter in one index-backed statement", async () => {
    for (const filter of filters) {
      for (const offset of [0, 20_000, 40_000]) {
        const plans = await explain((db) => listCryptoPayments(db, ctx.client, filter, 20, offset));
        expect(plans).toHaveLength(1);
        expectIndexBacked(plans);
      }
    }
  });

  it("counts from the merchant's counters: a first page reads only the rows it shows", async () => {
    const [first] = await measure((db) => listCryptoPayments(db, ctx.client, {}, 20, 0));
    expect(first?.crypto_payments).toBe(40);
    const [status] = await measure((db) => listCryptoPayments(db, ctx.client, { status: "completed" }, 20, 0));
    expect(status?.crypto_payments).toBe(40);
    const [deep] = await measure((db) => listCryptoPayments(db, ctx.client, {}, 20, 40_000));
    expect(deep?.crypto_payments).toBeLessThanOrEqual(10_000 + 40);
  });
});

describe("portal admin lists (issue 12)", () => {
  it("searches and pages workspaces from the name index", async () => {
    for (const opts of [
      { limit: 51 },
      { q: "plan 1", limit: 51 },
      { q: "acme", limit: 51, after: { sortKey: "acme 150", id: ctx.workspaceId } },
      { after: { sortKey: "plan 9", id: ctx.workspaceId }, limit: 51 },
      { id: ctx.workspaceId, limit: 51 },
    ]) {
      expectIndexBacked(await explain((db) => listWorkspaces(db, opts)));
    }
  });

  it("reads a workspace, its accounts and its deliveries from indexes", async () => {
    expectIndexBacked(await explain((db) => workspaceDetail(db, ctx.workspaceId)));
    expectIndexBacked(await explain((db) => listAccounts(db, ctx.workspaceId, { limit: 51 })));
    const [row] = await query<{ position: string; id: string }>(sql`
      SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position, id::text AS id
      FROM accounts WHERE workspace_id = ${ctx.workspaceId} ORDER BY created_at, id OFFSET 20 LIMIT 1`);
    expectIndexBacked(await explain((db) => listAccounts(db, ctx.workspaceId, { limit: 51, after: row! })));
    expectIndexBacked(await explain((db) => listDeliveries(db, ctx.workspaceId)));
  });

  it("reads the account, its entries with every filter, and its daily balances from indexes", async () => {
    expectIndexBacked(await explain((db) => accountDetail(db, ctx.accountId)));
    const from = new Date(Date.now() - 400 * 86_400_000);
    const to = new Date(Date.now() - 200 * 86_400_000);
    for (const filter of [
      {},
      { sources: ["portal"] },
      { types: ["usage"] },
      { from, to },
      { sources: ["api"], types: ["recharge"], from, to, beforeSeq: 500_000 },
    ]) {
      for (const limit of [51, 201, CSV_CHUNK_ROWS]) {
        expectIndexBacked(await explain((db) => listEntries(db, { accountId: ctx.accountId, ...filter }, limit)));
      }
    }
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    for (const [from, to] of [
      [day(-29), day(0)],
      [day(-500), day(-135)],
    ] as const) {
      expectIndexBacked(await explain((db) => balanceHistory(db, ctx.accountId, from, to)));
    }
  });

  it("reads the overview's counts and failing deliveries from indexes", async () => {
    expectIndexBacked(await explain((db) => overview(db)));
  });

  it("reads a ledger transaction's legs and a system account's legs from indexes", async () => {
    const [row] = await query<{ transaction_id: number }>(sql`
      SELECT transaction_id::int AS transaction_id FROM ledger_entries WHERE account_id = ${ctx.accountId} LIMIT 1`);
    expectIndexBacked(await explain((db) => ledgerTransaction(db, row?.transaction_id ?? 1)));
    for (const beforeId of [undefined, 500_000]) {
      expectIndexBacked(
        await explain((db) => systemAccountEntries(db, "clearing:api", "EUR", { beforeId, limit: 51 })),
      );
    }
  });
});

describe("the plan checker itself", () => {
  it("flags a sequential scan and a sort of a large table, and passes an index scan", () => {
    const seq = { "Node Type": "Seq Scan", "Relation Name": "ledger_entries" };
    const sorted = {
      "Node Type": "Limit",
      Plans: [{ "Node Type": "Sort", Plans: [{ "Node Type": "Index Scan", "Relation Name": "sms_payments" }] }],
    };
    const fine = { "Node Type": "Limit", Plans: [{ "Node Type": "Index Scan", "Relation Name": "ledger_entries" }] };
    expect(planProblems(seq)).toEqual(["Seq Scan on ledger_entries"]);
    expect(planProblems(sorted)).toHaveLength(1);
    expect(planProblems(fine)).toEqual([]);
    const count = { "Node Type": "Aggregate", Plans: [{ "Node Type": "Gather", Plans: [seq] }] };
    expect(planProblems(count)).toEqual(["Seq Scan on ledger_entries"]);
    expect(planProblems(count, { allowFullCount: true })).toEqual([]);
    const page = { "Node Type": "Aggregate", Plans: [{ "Node Type": "Limit", Plans: [seq] }] };
    expect(planProblems(page, { allowFullCount: true })).toEqual(["Seq Scan on ledger_entries"]);
    expect(planProblems({ "Node Type": "Seq Scan", "Relation Name": "api_keys" })).toEqual([]);
    // A Sort of rows whose per-row subplan reads a large table does not sort that table.
    const perRow = {
      "Node Type": "Sort",
      Plans: [
        {
          "Node Type": "Function Scan",
          Plans: [{ "Node Type": "Aggregate", "Parent Relationship": "SubPlan", Plans: [fine] }],
        },
      ],
    };
    expect(planProblems(perRow)).toEqual([]);
    expect(planProblems({ "Node Type": "Sort", Plans: [fine] })).toHaveLength(1);
  });
});
