// The counters behind the list totals of specs 001, 003 and 004 (list_counts, drizzle/functions/5*). Payments are created,
// moved through their statuses and deleted (003, with its ledger reversal) by parallel requests to the real
// worker, each on its own database connection, while the lists are read. Afterwards every counter must equal
// a count(*) of what it counts (the `counter_drift` view) and every total the APIs answer must equal a
// count(*) of the rows; then pages at every offset and date ranges on day edges are checked against plain SQL.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  accessToken,
  createClient,
  createPayment as createCryptoPayment,
  statusEvent as cryptoStatusEvent,
  processorEvent,
} from "./crypto-helpers";
import {
  callRoute,
  callRouteUnchecked,
  createAccount,
  createKey,
  createWorkspace,
  expectStatus,
  type Permission,
  query,
  routes,
  sql,
} from "./helpers";
import { recordSmsPayment, workspaceMember } from "./story-helpers";
import { statusEvent as mobileMoneyStatusEvent, postSigned } from "./webhook-signing";

const MM_PERMISSIONS: Permission[] = ["payments.read", "payments.write"];
const MM_TYPES = ["PAYMENT", "DIRECT_PAYMENT", "TRANSFERT", "RECHARGE"] as const;
const MM_STATUSES = ["INIT", "PENDING", "COMPLETE", "FAILED", "TIMEOUT"] as const;
/** Status paths through the mobile-money state machine, one event each. */
const MM_PATHS = [["PENDING", "COMPLETE"], ["PENDING", "FAILED"], ["TIMEOUT"], ["PENDING"], ["FAILED"], []];
const CRYPTO_CURRENCIES = ["USDTTRC20", "USDTERC20", "BTC", "ETH"] as const;
const CRYPTO_STATUSES = ["waiting", "confirming", "confirmed", "sending", "completed", "expired", "failed"] as const;
const CRYPTO_PATHS = [
  ["confirming", "confirmed", "completed"],
  ["confirming", "expired"],
  ["failed"],
  ["completed"],
  [],
];

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

type Outcome = { what: string; status: number; expected: number; text: string };
const outcome = (what: string, expected: number, res: { status: number; text: string }): Outcome => ({
  what,
  status: res.status,
  expected,
  text: res.status === expected ? "" : res.text,
});
const failed = (outcomes: Outcome[]) => outcomes.filter((o) => o.status !== o.expected);

/** A workspace with an EUR account (001 and 003 credit it), a USD one (004), two API keys, a member, a client. */
async function merchant() {
  const workspace = await createWorkspace("Counters");
  const eur = await createAccount(workspace.id, { currency: "EUR" });
  const usd = await createAccount(workspace.id, { currency: "USD" });
  const keys = await Promise.all(
    range(2).map(() => createKey(workspace.id, { account_id: eur.id, permissions: MM_PERMISSIONS })),
  );
  const memberToken = (await workspaceMember(workspace.id, "owner")).token;
  const oauthToken = await accessToken(await createClient(workspace.id));
  return {
    workspaceId: workspace.id,
    accountIds: [eur.id, usd.id],
    keys: keys.map((k) => ({ id: k.id, key: k.key })),
    memberToken,
    oauthToken,
  };
}
type Merchant = Awaited<ReturnType<typeof merchant>>;

const createMobileMoney = (apiKey: string, i: number) => {
  const type = MM_TYPES[i % MM_TYPES.length]!;
  return callRoute(
    routes.paiements.createPayment,
    {
      json: {
        transaction_type: type,
        amount: 100 + i,
        ...(type === "DIRECT_PAYMENT" ? { phone: "+2250506070809", service_mobile_code: "MTN_CI" } : {}),
      },
    },
    { "x-api-key": apiKey },
  );
};

const recordSms = (m: Merchant, i: number) =>
  recordSmsPayment(m.workspaceId, m.memberToken, { amount: `${10 + i}.50`, paymentMethod: i % 2 ? "cash" : "card" });

/** The three lists with a query string as given, and the 003 delete; answers typed by their route. */
const memberAuth = (m: Merchant) => ({ authorization: `Bearer ${m.memberToken}` });
const listSms = (m: Merchant, qs = "") =>
  callRouteUnchecked(
    routes.smsPayments.listPayments,
    { params: { workspaceId: m.workspaceId }, query: qs },
    memberAuth(m),
  );
const deleteSms = (m: Merchant, id: string) =>
  callRoute(routes.smsPayments.deletePayment, { params: { workspaceId: m.workspaceId, id } }, memberAuth(m));
const listMobileMoney = (apiKey: string, qs = "") =>
  callRouteUnchecked(routes.paiements.listByApiKey, { query: qs }, { "x-api-key": apiKey });
const listCrypto = (m: Merchant, qs = "") =>
  callRouteUnchecked(routes.cryptoPayments.listPayments, { query: qs }, { authorization: `Bearer ${m.oauthToken}` });

const createCrypto = (m: Merchant, i: number) =>
  createCryptoPayment(m.oauthToken, {
    amount_usd: `${20 + i}.00`,
    currency: CRYPTO_CURRENCIES[i % CRYPTO_CURRENCIES.length],
    order_id: `ORDER-${i}`,
  });

/** One signed event after the other (each must be applied), as the upstream sends them. */
async function walk(
  what: string,
  steps: string[],
  send: (status: string) => Promise<{ status: number; text: string }>,
) {
  const outcomes: Outcome[] = [];
  for (const step of steps) {
    const res = await send(step);
    outcomes.push(outcome(`${what} -> ${step}`, 200, res));
    if (res.status !== 200) break;
  }
  return outcomes;
}

const count = async (statement: ReturnType<typeof sql>) => Number((await query<{ n: string }>(statement))[0]?.n);

async function driftOf(m: Merchant) {
  const owners = [m.workspaceId, ...m.accountIds, ...m.keys.map((k) => k.id)];
  return query(sql`
    SELECT counter, owner_id::text AS owner_id, dims, counted::int AS counted, actual::int AS actual FROM counter_drift
    WHERE owner_id IN (${sql.join(
      owners.map((id) => sql`${id}::uuid`),
      sql`, `,
    )})`);
}

describe("list counters under concurrent writers", () => {
  it("equal count(*) after parallel creates, status changes and deletions, and so do the APIs' totals", async () => {
    const m = await merchant();
    // Payments to move and delete while more are created.
    const mobileMoney = await Promise.all(range(18).map((i) => createMobileMoney(m.keys[i % 2]!.key, i)));
    const sms = await Promise.all(range(10).map((i) => recordSms(m, i)));
    const cryptoAnswers = await Promise.all(range(15).map((i) => createCrypto(m, i)));
    expect([...mobileMoney, ...sms, ...cryptoAnswers].map((r) => r.status)).toEqual(Array(43).fill(201));
    const cryptoPayments = cryptoAnswers.map((res) => expectStatus(res, 201));
    const mobileMoneyPayments = mobileMoney.map((res) => expectStatus(res, 201));
    const smsPayments = sms.map((res) => expectStatus(res, 201));

    const tasks: Promise<Outcome | Outcome[]>[] = [
      ...range(18).map(async (i) => outcome("001 create", 201, await createMobileMoney(m.keys[i % 2]!.key, 100 + i))),
      ...mobileMoneyPayments.map((payment, i) =>
        walk(`001 ${payment.reference}`, MM_PATHS[i % MM_PATHS.length]!, (status) =>
          postSigned(mobileMoneyStatusEvent(payment.reference, status)),
        ),
      ),
      ...range(10).map(async (i) => outcome("003 create", 201, await recordSms(m, 100 + i))),
      ...smsPayments.slice(0, 7).map(async (payment) => outcome("003 delete", 204, await deleteSms(m, payment.id))),
      ...range(15).map(async (i) => outcome("004 create", 201, await createCrypto(m, 100 + i))),
      ...cryptoPayments.map((payment, i) =>
        walk(`004 ${payment.transaction_id}`, CRYPTO_PATHS[i % CRYPTO_PATHS.length]!, (status) =>
          processorEvent(cryptoStatusEvent(payment.transaction_id, status)),
        ),
      ),
      // Reads in the middle of it all.
      ...range(3).flatMap(() => [
        listMobileMoney(m.keys[0]!.key, "?status=PENDING").then((r) => outcome("001 list", 200, r)),
        listSms(m, "?offset=5").then((r) => outcome("003 list", 200, r)),
        listCrypto(m, "?status=waiting&blockchain=TRON").then((r) => outcome("004 list", 200, r)),
      ]),
    ];
    const outcomes = (await Promise.all(tasks)).flat();
    expect(failed(outcomes)).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(100);

    // Every counter of this merchant against count(*): not one difference.
    expect(await driftOf(m)).toEqual([]);
    // Writers that found the counter's rows held added rows of their own; the next write, alone, folds
    // them all back into one.
    expect((await recordSms(m, 1000)).status).toBe(201);
    expect(
      await query(
        sql`SELECT n::int AS n FROM list_counts WHERE counter = 'sms_payments' AND owner_id = ${m.workspaceId}`,
      ),
    ).toEqual([{ n: 14 }]);

    // Spec 001: every total per key, status, type and a date range around now, against count(*).
    const now = Math.floor(Date.now() / 1000);
    for (const k of m.keys) {
      const mine = sql`FROM mobile_money_payments WHERE api_key_id = ${k.id}`;
      const total = async (qs: string) => expectStatus(await listMobileMoney(k.key, qs), 200).total;
      expect(await total("")).toBe(await count(sql`SELECT count(*)::text AS n ${mine}`));
      expect(await total("")).toBe(18);
      for (const status of MM_STATUSES) {
        expect(await total(`?status=${status}`)).toBe(
          await count(sql`SELECT count(*)::text AS n ${mine} AND status = ${status}`),
        );
      }
      for (const type of MM_TYPES) {
        expect(await total(`?transaction_type=${type}&status=INIT`)).toBe(
          await count(sql`SELECT count(*)::text AS n ${mine} AND transaction_type = ${type} AND status = 'INIT'`),
        );
      }
      expect(await total(`?dateFrom=${now - 2 * 86_400}&dateTo=${now + 86_400}`)).toBe(18);
      expect(await total(`?dateFrom=${now + 60}`)).toBe(0);
    }

    // Spec 003: what the list shows.
    const smsPage = expectStatus(await listSms(m, "?limit=100"), 200);
    expect(smsPage.pagination).toEqual({ total: 14, limit: 100, offset: 0, hasMore: false });
    expect(smsPage.payments).toHaveLength(14);

    // Spec 004: count (filtered) and total (all) for every status, currency, network and token.
    const allCrypto = sql`FROM crypto_payments WHERE workspace_id = ${m.workspaceId}`;
    const cryptoList = async (qs = "") => expectStatus(await listCrypto(m, qs), 200);
    expect(await cryptoList()).toMatchObject({ count: 30, total: 30 });
    for (const status of CRYPTO_STATUSES) {
      const res = await cryptoList(`?status=${status}`);
      expect(res.total).toBe(30);
      expect(res.count).toBe(await count(sql`SELECT count(*)::text AS n ${allCrypto} AND status = ${status}`));
    }
    for (const currency of CRYPTO_CURRENCIES) {
      expect((await cryptoList(`?currency=${currency.toLowerCase()}`)).count).toBe(
        await count(sql`SELECT count(*)::text AS n ${allCrypto} AND currency = ${currency}`),
      );
    }
    expect((await cryptoList("?blockchain=TRON&token=usdt")).count).toBe(
      await count(sql`SELECT count(*)::text AS n ${allCrypto} AND blockchain = 'TRX' AND token = 'USDT'`),
    );
    expect((await cryptoList("?blockchain=ETH")).count).toBe(
      await count(sql`SELECT count(*)::text AS n ${allCrypto} AND blockchain = 'ETH'`),
    );
  });
});

describe("a hot tenant's counter", () => {
  it("lets a writer past counter rows another transaction holds: it adds a row, and the next write folds it back", async () => {
    const m = await merchant();
    const slots = sql`SELECT n::int AS n FROM list_counts
      WHERE counter = 'sms_payments' AND owner_id = ${m.workspaceId} ORDER BY id`;
    expect((await recordSms(m, 1)).status).toBe(201);
    expect(await query(slots)).toEqual([{ n: 1 }]);
    const hold = await fetch(`${env.HELD_POSTING_URL}/hold-counter`, {
      method: "POST",
      body: JSON.stringify({ counter: "sms_payments", owner_id: m.workspaceId }),
    });
    expect(await hold.json()).toMatchObject({ rows: 1 });
    try {
      // The counter's only row is held: a writer that waited for it (FOR UPDATE without SKIP LOCKED) would
      // hang here until the release, and this test would time out.
      expect((await recordSms(m, 2)).status).toBe(201);
      expect(await query(slots)).toEqual([{ n: 1 }, { n: 1 }]);
    } finally {
      await fetch(`${env.HELD_POSTING_URL}/release`, { method: "POST" });
    }
    expect((await recordSms(m, 3)).status).toBe(201);
    expect(await query(slots)).toEqual([{ n: 3 }]);
    expect(expectStatus(await listSms(m), 200).pagination.total).toBe(3);
    expect(await driftOf(m)).toEqual([]);
  });
});

describe("pages and totals from counters", () => {
  let m: Merchant;
  beforeAll(async () => {
    m = await merchant();
  });

  it("spec 003: every offset and limit shows exactly the rows OFFSET/LIMIT would, from either end", async () => {
    const created = [];
    for (const i of range(9)) created.push(expectStatus(await recordSms(m, i), 201).id);
    const removed = await deleteSms(m, created[4] ?? "");
    expect(removed.status).toBe(204);
    const visible = (
      await query<{ id: string }>(sql`
        SELECT id FROM sms_payments WHERE workspace_id = ${m.workspaceId} AND deleted_at IS NULL
        ORDER BY created_at DESC, id DESC`)
    ).map((r) => r.id);
    expect(visible).toHaveLength(8);
    for (const limit of [1, 2, 3, 5]) {
      for (const offset of range(10)) {
        const res = expectStatus(await listSms(m, `?limit=${limit}&offset=${offset}`), 200);
        const expected = visible.slice(offset, offset + limit);
        expect(res.payments.map((p) => p.id)).toEqual(expected);
        expect(res.pagination).toEqual({ total: 8, limit, offset, hasMore: offset + expected.length < 8 });
      }
    }
  });

  it("spec 004: every offset under each filter shows exactly the rows OFFSET/LIMIT would", async () => {
    for (const i of range(7)) expect((await createCrypto(m, i)).status).toBe(201);
    for (const [qs, where] of [
      ["", sql`true`],
      ["&currency=USDTTRC20", sql`currency = 'USDTTRC20'`],
      ["&blockchain=ETH", sql`blockchain = 'ETH'`],
    ] as const) {
      const expected = (
        await query<{ id: string }>(sql`
          SELECT id::text AS id FROM crypto_payments WHERE workspace_id = ${m.workspaceId} AND ${where}
          ORDER BY created_at DESC, id DESC`)
      ).map((r) => r.id);
      for (const limit of [1, 2, 3]) {
        for (const offset of range(expected.length + 2)) {
          const res = expectStatus(await listCrypto(m, `?limit=${limit}&offset=${offset}${qs}`), 200);
          expect(res.results.map((p) => p.transaction_id)).toEqual(expected.slice(offset, offset + limit));
          expect(res).toMatchObject({ count: expected.length, total: 7, offset, limit });
        }
      }
    }
  });

  it("spec 001: date ranges on and around UTC midnights count exactly (day buckets plus edge days)", async () => {
    const { id: keyId, key } = m.keys[1]!;
    const created: { id: string; reference: string }[] = [];
    for (const i of range(14)) created.push(expectStatus(await createMobileMoney(key, i), 201));
    // Spread over five days, several of them on a midnight or one second off it.
    const midnight = Math.floor(Date.now() / 1000 / 86_400) * 86_400 - 20 * 86_400;
    const D = 86_400;
    const times = [
      midnight - 3 * D + 5,
      midnight - D - 1,
      midnight - D,
      midnight - 1,
      midnight,
      midnight,
      midnight + 1,
      midnight + D / 2,
      midnight + D - 1,
      midnight + D,
      midnight + 2 * D + 100,
      midnight + 2 * D + 100,
      midnight + 3 * D - 1,
      midnight + 3 * D,
    ];
    // Moving created_at is an UPDATE: the triggers move the rows between day buckets.
    for (const [i, p] of created.entries()) {
      await query(sql`UPDATE mobile_money_payments SET created_at = to_timestamp(${times[i]}::bigint)
        WHERE id = ${Number(p.id.replace("payment_", ""))}`);
    }
    for (const [i, p] of created.slice(0, 5).entries()) {
      const res = await postSigned(mobileMoneyStatusEvent(p.reference, i % 2 ? "FAILED" : "PENDING"));
      expect(res.status).toBe(200);
    }
    expect(await driftOf(m)).toEqual([]);

    const ranges: [number | undefined, number | undefined][] = [
      [midnight, midnight + D - 1],
      [midnight - 1, midnight + D],
      [midnight + 1, midnight + D / 2],
      [midnight, midnight],
      [midnight - D, undefined],
      [undefined, midnight - 1],
      [undefined, midnight],
      [midnight + 1, undefined],
      [midnight - 3 * D, midnight + 3 * D],
      [midnight - 3 * D + 6, midnight + 3 * D - 1],
      [midnight - D + 1, midnight + 2 * D + 99],
      [midnight + 4 * D, midnight + 9 * D],
    ];
    for (const [from, to] of ranges) {
      for (const status of [undefined, "INIT", "PENDING"]) {
        const qs = new URLSearchParams();
        if (from !== undefined) qs.set("dateFrom", String(from));
        if (to !== undefined) qs.set("dateTo", String(to));
        if (status) qs.set("status", status);
        qs.set("size", "3");
        const conditions = [sql`api_key_id = ${keyId}`];
        if (from !== undefined) conditions.push(sql`created_at >= to_timestamp(${from}::bigint)`);
        if (to !== undefined) conditions.push(sql`created_at < to_timestamp(${to}::bigint + 1)`);
        if (status) conditions.push(sql`status = ${status}`);
        const expected = (
          await query<{ id: string }>(sql`
            SELECT 'payment_' || id AS id FROM mobile_money_payments WHERE ${sql.join(conditions, sql` AND `)}
            ORDER BY created_at DESC, id DESC`)
        ).map((r) => r.id);
        for (const page of range(Math.ceil(expected.length / 3) + 1)) {
          qs.set("page", String(page));
          const res = expectStatus(await listMobileMoney(key, `?${qs}`), 200);
          expect({
            qs: qs.toString(),
            total: res.total,
            ids: res.data.map((p) => p.id),
          }).toEqual({
            qs: qs.toString(),
            total: expected.length,
            ids: expected.slice(page * 3, page * 3 + 3),
          });
        }
      }
    }
  });
});
