// Every list query is index-backed at a million rows. The statements are the app's own: each list
// function runs against a database wrapper that EXPLAINs every statement it is given before running
// it, so this file cannot drift from the code. A plan fails on a sequential scan of a large table, and
// on a Sort above one (the index did not give the order, so every request sorts the whole history).
import { env } from "cloudflare:test";
import { PgDialect } from "drizzle-orm/pg-core";
import { beforeAll, describe, expect, it } from "vitest";
import { CSV_CHUNK_ROWS } from "../src/apis/admin/entries-csv";
import {
  accountDetail,
  balanceHistory,
  listAccounts,
  listDeliveries,
  listEntries,
  listWorkspaces,
  overview,
  workspaceDetail,
} from "../src/apis/admin/queries";
import { listPayments as listCryptoPayments } from "../src/apis/crypto-payments/queries";
import { listPayments as listMobileMoneyPayments } from "../src/apis/paiements/queries";
import { listPayments as listSmsPayments } from "../src/apis/sms-payments/queries";
import { historyPage } from "../src/apis/user-payments/queries";
import { createDatabase, type Database } from "../src/db/client";
import { entriesPage } from "../src/ledger/queries";
import { admin, query, sql, tenant } from "./helpers";

const HOT_ROWS = 1_000_000;
const OTHER_ACCOUNTS = 50;
const OTHER_ROWS = 50_000;
const MOBILE_MONEY_ROWS = 100_000;
const SMS_ROWS = 50_000;
const CRYPTO_ROWS = 50_000;
const WORKSPACE_ROWS = 200_000;
const DELIVERY_ROWS = 100_000;
const LARGE_TABLES = new Set([
  "ledger_entries",
  "mobile_money_payments",
  "sms_payments",
  "crypto_payments",
  "workspaces",
  "accounts",
  "webhook_deliveries",
]);

type PlanNode = {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  "Parent Relationship"?: string;
  Plans?: PlanNode[];
};

/**
 * Problems in a plan: a sequential scan of a large table, or a Sort above one. With `allowFullCount`,
 * a sequential scan that only feeds a count is accepted: when one account or key holds most of the
 * table, as the seeded one does here, reading the table IS the cheapest way to count it.
 */
function planProblems(root: PlanNode, { allowFullCount = false } = {}): string[] {
  const problems: string[] = [];
  // The rows a Sort orders: its input, not the subplans evaluated per row (their rows feed an expression).
  const scansLarge = (n: PlanNode): string | undefined => {
    if (n["Relation Name"] && LARGE_TABLES.has(n["Relation Name"])) return n["Relation Name"];
    for (const child of n.Plans ?? []) {
      if (child["Parent Relationship"] === "SubPlan" || child["Parent Relationship"] === "InitPlan") continue;
      const hit = scansLarge(child);
      if (hit) return hit;
    }
    return undefined;
  };
  const walk = (n: PlanNode, onlyCounting: boolean) => {
    const type = n["Node Type"];
    const relation = n["Relation Name"];
    if (type === "Seq Scan" && relation && LARGE_TABLES.has(relation) && !(allowFullCount && onlyCounting)) {
      problems.push(`Seq Scan on ${relation}`);
    }
    if (type === "Sort" || type === "Incremental Sort") {
      const table = scansLarge(n);
      if (table) problems.push(`${type} of rows from ${table} (the order does not come from an index)`);
    }
    const counting = type === "Aggregate" || (onlyCounting && ["Gather", "Gather Merge", "Result"].includes(type));
    for (const child of n.Plans ?? []) walk(child, counting);
  };
  walk(root, false);
  return problems;
}

type Explained = { statement: string; problems: string[] };

const dialect = new PgDialect();

type PlanRows = { rows: { "QUERY PLAN": unknown }[] };

async function planOf(
  db: Pick<Database, "execute">,
  statement: ReturnType<typeof sql>,
  { analyze = false } = {},
): Promise<PlanNode> {
  return planFrom(
    await db.execute<{ "QUERY PLAN": unknown }>(
      analyze ? sql`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}` : sql`EXPLAIN (FORMAT JSON) ${statement}`,
    ),
  );
}

function planFrom({ rows }: PlanRows): PlanNode {
  const raw = rows[0]?.["QUERY PLAN"];
  const doc = (typeof raw === "string" ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
  return doc[0]!.Plan;
}

/**
 * The real database, except that each statement is EXPLAINed before it runs: once as the planner
 * chooses, and once with sequential scans disabled, which proves an index can serve every access.
 */
function explaining(real: Database, out: Explained[]): Database {
  return {
    execute: async (statement: ReturnType<typeof sql>) => {
      const chosen = await planOf(real, statement);
      const [, withoutSeqscan] = await real.batch([
        real.execute(sql`SET LOCAL enable_seqscan = off`),
        real.execute<{ "QUERY PLAN": unknown }>(sql`EXPLAIN (FORMAT JSON) ${statement}`),
      ]);
      const indexOnly = planFrom(withoutSeqscan);
      out.push({
        statement: dialect.sqlToQuery(statement).sql,
        problems: [
          ...planProblems(chosen, { allowFullCount: true }),
          ...planProblems(indexOnly).map((p) => `with seqscan off: ${p}`),
        ],
      });
      return real.execute(statement);
    },
  } as unknown as Database;
}

/** Rows each large table gave up (returned or filtered out) while the statement ran, from EXPLAIN ANALYZE. */
function rowsRead(root: PlanNode, into: Record<string, number> = {}) {
  const relation = root["Relation Name"];
  if (relation && LARGE_TABLES.has(relation)) {
    const perLoop = (root["Actual Rows"] ?? 0) + (root["Rows Removed by Filter"] ?? 0);
    into[relation] = (into[relation] ?? 0) + perLoop * (root["Actual Loops"] ?? 1);
  }
  for (const child of root.Plans ?? []) rowsRead(child, into);
  return into;
}

/** Runs `run` against the real database and reports, per statement, the rows read from each large table. */
async function measure(run: (db: Database) => Promise<unknown>) {
  const real = createDatabase(env);
  const out: Record<string, number>[] = [];
  // The real database object, with each statement EXPLAIN ANALYZEd before it runs.
  const measured = new Proxy(real, {
    get(target, property, receiver) {
      if (property !== "execute") return Reflect.get(target, property, receiver);
      return async (statement: ReturnType<typeof sql>) => {
        out.push(rowsRead(await planOf(target, statement, { analyze: true })));
        return target.execute(statement);
      };
    },
  });
  await run(measured);
  return out;
}

let ctx: {
  keyId: string;
  workspaceId: string;
  accountId: string;
  member: { id: string; workspaceId: string; role: "owner"; permissions: string[]; tokenVersion: number };
  client: { clientUuid: string; workspaceId: string };
  deep: { position: string; id: number };
  total: number;
};

async function explain(run: (db: Database) => Promise<unknown>) {
  const out: Explained[] = [];
  await run(explaining(createDatabase(env), out));
  expect(out.length).toBeGreaterThan(0);
  return out;
}

function expectIndexBacked(explained: Explained[]) {
  const bad = explained.filter((e) => e.problems.length > 0);
  expect(
    bad.map((e) => ({ problems: e.problems, statement: e.statement.replace(/\s+/g, " ").slice(0, 1200) })),
  ).toEqual([]);
}

beforeAll(async () => {
  const t = await tenant(["payments.read", "transactions.read"]);
  const accountId: string = t.account.id;
  const workspaceId: string = t.workspace.id;

  // The hot account: an opening deposit, then a million entries over two years, oldest first;
  // balance = sum of the entries.
  await query(sql`
    INSERT INTO ledger_entries (account_id, amount, currency, source, type, balance_after, occurred_at)
    VALUES (${accountId}, 1000000, 'EUR', 'portal', 'deposit', 1000000, now() - interval '800 days')`);
  await query(sql`
    INSERT INTO ledger_entries (account_id, amount, currency, source, type, description, balance_after, occurred_at)
    SELECT ${accountId}, amount, 'EUR', source, type, 'plan test', 1000000 + sum(amount) OVER (ORDER BY i), at
    FROM (
      SELECT i, at,
        CASE WHEN r < 0.55 THEN 'sms_gateway' WHEN r < 0.75 THEN 'portal' WHEN r < 0.9 THEN 'api' ELSE 'mobile_money' END AS source,
        CASE WHEN r < 0.4 THEN 'usage' WHEN r < 0.55 THEN 'deposit' WHEN r < 0.7 THEN 'adjustment' WHEN r < 0.75 THEN 'reversal'
             WHEN r < 0.9 THEN 'recharge' ELSE 'deposit' END AS type,
        CASE WHEN r < 0.4 OR (r >= 0.7 AND r < 0.75) THEN -1.25 ELSE 2.5 END AS amount
      FROM (SELECT i, random() AS r, now() - interval '730 days' + i * interval '63 seconds' AS at
            FROM generate_series(1, ${HOT_ROWS}::int) i) g
    ) e ORDER BY i`);
  await query(sql`
    UPDATE accounts SET (balance, entry_count) = (SELECT sum(amount), count(*) FROM ledger_entries WHERE account_id = ${accountId})
    WHERE id = ${accountId}`);

  // Other accounts of the same workspace, so that the hot account is not the whole table.
  await query(sql`
    WITH a AS (
      INSERT INTO accounts (workspace_id, currency) SELECT ${workspaceId}, 'EUR' FROM generate_series(1, ${OTHER_ACCOUNTS}::int)
      RETURNING id
    ), numbered AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM a)
    INSERT INTO ledger_entries (account_id, amount, currency, source, type, balance_after, occurred_at)
    SELECT numbered.id, 5, 'EUR', 'api', 'recharge', 5 * row_number() OVER (PARTITION BY numbered.id ORDER BY i),
           now() - i * interval '1 minute'
    FROM generate_series(1, ${OTHER_ROWS}::int) i JOIN numbered ON numbered.n = i % ${OTHER_ACCOUNTS}::int`);
  await query(sql`
    UPDATE accounts a SET balance = s.total, entry_count = s.n
    FROM (SELECT account_id, sum(amount) AS total, count(*) AS n FROM ledger_entries
          WHERE account_id IN (SELECT id FROM accounts WHERE workspace_id = ${workspaceId} AND id <> ${accountId})
          GROUP BY account_id) s
    WHERE a.id = s.account_id`);

  // Payments of every surface, with their status/type mixes.
  await query(sql`
    INSERT INTO mobile_money_payments (workspace_id, account_id, api_key_id, reference, amount, status, transaction_type, created_at)
    SELECT ${workspaceId}, ${accountId}, ${t.keyId}, 'PLAN_REF_' || ${accountId}::text || '_' || i, 100,
      (ARRAY['COMPLETE','COMPLETE','COMPLETE','FAILED','PENDING','INIT','TIMEOUT'])[1 + i % 7],
      (ARRAY['PAYMENT','PAYMENT','DIRECT_PAYMENT','TRANSFERT','RECHARGE'])[1 + i % 5],
      now() - i * interval '5 minutes'
    FROM generate_series(1, ${MOBILE_MONEY_ROWS}::int) i`);
  const member = await admin("POST", `/workspaces/${workspaceId}/members`, {
    email: "plans@example.com",
    role: "owner",
  });
  expect(member.status).toBe(201);
  await query(sql`
    INSERT INTO sms_payments (id, workspace_id, account_id, amount, payment_method, created_by, deleted_at, created_at)
    SELECT substr(md5(${workspaceId}::text || i), 1, 24), ${workspaceId}, ${accountId}, 10, 'cash', ${member.json.id}::uuid,
      CASE WHEN i % 20 = 0 THEN now() END, now() - i * interval '5 minutes'
    FROM generate_series(1, ${SMS_ROWS}::int) i`);
  const client = await admin("POST", `/workspaces/${workspaceId}/oauth-clients`, { name: "plans", scopes: ["read"] });
  expect(client.status).toBe(201);
  const [clientRow] = await query<{ id: string }>(
    sql`SELECT id::text AS id FROM oauth_clients WHERE client_id = ${client.json.client_id}`,
  );
  await query(sql`
    INSERT INTO crypto_payments (workspace_id, account_id, order_id, amount_usd, amount_crypto, currency, blockchain, token,
                                 address, status, created_at)
    SELECT ${workspaceId}, ${accountId}, 'ORDER-' || i, 10, 10, cur,
      CASE cur WHEN 'BTC' THEN 'BTC' WHEN 'USDTERC20' THEN 'ETH' ELSE 'TRX' END,
      CASE cur WHEN 'BTC' THEN 'BTC' ELSE 'USDT' END, 'T' || md5(i::text),
      (ARRAY['completed','completed','completed','expired','failed','waiting','confirming'])[1 + i % 7],
      now() - i * interval '5 minutes'
    FROM (SELECT i, (ARRAY['USDTTRC20','USDTERC20','BTC'])[1 + i % 3] AS cur
          FROM generate_series(1, ${CRYPTO_ROWS}::int) i) g`);
  // The back office's tables: many workspaces (one account each, some names sharing a prefix) and a
  // workspace with a long delivery history, a share of it failing.
  await query(sql`
    WITH w AS (
      INSERT INTO workspaces (name, created_at)
      SELECT (ARRAY['Plan ', 'plan ', 'Acme ', 'Zeta '])[1 + i % 4] || i, now() - i * interval '1 minute'
      FROM generate_series(1, ${WORKSPACE_ROWS}::int) i RETURNING id
    )
    INSERT INTO accounts (workspace_id, currency) SELECT id, 'EUR' FROM w`);
  await query(sql`
    INSERT INTO accounts (workspace_id, currency, created_at)
    SELECT ${workspaceId}, 'USD', now() - i * interval '1 second' FROM generate_series(1, 20000) i`);
  await query(sql`
    INSERT INTO webhook_deliveries (id, workspace_id, url, event_type, payload, status, attempts, last_error, last_attempt_at, created_at)
    SELECT 'msg_plan_' || i, ${workspaceId}, 'https://merchant.example/hook', 'payment.status_changed', '{}'::jsonb,
      CASE WHEN i % 50 = 0 THEN 'failed' WHEN i % 10 = 0 THEN 'pending' ELSE 'delivered' END,
      CASE WHEN i % 10 = 0 THEN 3 ELSE 1 END, CASE WHEN i % 10 = 0 THEN 'HTTP 500' END,
      now() - i * interval '1 minute', now() - i * interval '1 minute'
    FROM generate_series(1, ${DELIVERY_ROWS}::int) i`);
  // VACUUM sets the visibility map as autovacuum would, so the planner may count with index-only scans.
  await query(
    sql`VACUUM ANALYZE ledger_entries, mobile_money_payments, sms_payments, crypto_payments, workspaces, accounts, webhook_deliveries`,
  );

  const [deep] = await query<{ position: string; id: number }>(sql`
    SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position, id::int AS id
    FROM ledger_entries WHERE account_id = ${accountId}
    ORDER BY occurred_at, id OFFSET ${Math.floor(HOT_ROWS * 0.07)} LIMIT 1`);
  ctx = {
    keyId: t.keyId,
    workspaceId,
    accountId,
    member: { id: member.json.id, workspaceId, role: "owner", permissions: [], tokenVersion: 0 },
    client: { clientUuid: clientRow!.id, workspaceId },
    deep: deep!,
    total: HOT_ROWS + 1,
  };
}, 180_000);

describe("spec 000 history (historyPage) at a million entries", () => {
  const page = (filter: Omit<Parameters<typeof historyPage>[2], "accountId">) =>
    explain((db) => historyPage(db, ctx.keyId, { accountId: ctx.accountId, ...filter }, 101));

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

  it("reads a page near the end ascending from the other end of the index", async () => {
    const plans = await explain((db) => entriesPage(db, ctx.keyId, ctx.workspaceId, ctx.accountId, ctx.total - 40, 20));
    expect(plans).toHaveLength(1);
    expect(plans[0]!.statement).toMatch(/ASC/);
    expectIndexBacked(plans);
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
      { sources: ["api"], types: ["recharge"], from, to, before: ctx.deep },
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
