// Issue 13, "one account, one story": an account moved by all five surfaces and the SMS gateway reads
// the same through spec 000 and spec 002. Every page of the 000 history adds up to the 000 balance and
// to the 002 list, each row follows the mapping table of docs/api-surfaces.md, and every GET surface
// ignores unknown query parameters while still refusing bad known ones.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { callRoute, callRouteUnchecked, expectStatus, query, rawCall, routes, setGateway, sql } from "./helpers";
import { cents, storyAccount } from "./story-helpers";

let story: Awaited<ReturnType<typeof storyAccount>>;

beforeAll(async () => {
  story = await storyAccount();
}, 60_000);

afterEach(async () => {
  await setGateway("ok");
});

/** The 000 history with a query string as given ("?type=deposit"; the Link headers' own), and the balance. */
const payments000 = (query = "") =>
  callRouteUnchecked(routes.userPayments.listPayments, { query }, { "x-api-key": story.key });
const balance000 = async () => {
  const res = await callRoute(routes.userPayments.getBalance, {}, { "x-api-key": story.key });
  const json = expectStatus(res, 200);
  if (!("balance" in json)) throw new Error(`expected a balance, got ${res.text}`);
  return json;
};
/** The payments of a 200 answer that is a list (not the setup answer), failing otherwise. */
const history = async (query = "") => {
  const res = await payments000(query);
  const json = expectStatus(res, 200);
  if (!Array.isArray(json)) throw new Error(`expected a list of payments, got ${res.text}`);
  return { json, headers: res.headers };
};

/** Every page of the 000 history, following its Link rel="next" headers. */
async function historyPages(first: string) {
  const pages = [];
  let next: string | null = first;
  while (next !== null) {
    const res = await history(next);
    pages.push(res.json);
    const link = res.headers.get("link");
    if (link === null) break;
    const target = /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
    expect(target, link).toBeDefined();
    const url = new URL(target ?? "");
    expect(url.pathname).toBe("/api/v1/user/payments");
    next = url.search;
  }
  return pages;
}

/** Every page of the 002 list. */
async function transactionPages(pageSize: number) {
  const pages: { id: string; type: string; amount: number }[][] = [];
  for (let page = 1; ; page++) {
    const res = await callRoute(
      routes.accountTransactions.listTransactions,
      { params: { accountId: story.accountId }, query: { page: String(page), pageSize: String(pageSize) } },
      { api_key: story.key },
    );
    const list = expectStatus(res, 200);
    expect(list.total).toBe(11);
    if (list.transactions.length === 0) return pages;
    pages.push(list.transactions);
  }
}

/**
 * The mapping table of docs/api-surfaces.md, written out here apart from the SQL that implements it:
 * ledger (source, type) → spec 000 (source, type). Spec 002 shows the ledger's own type.
 */
const MAPPING: Record<string, [string, string]> = {
  "portal/adjustment": ["portal", "adjustment"], // portal admin adjustment
  "portal/deposit": ["portal", "adjustment"], // spec 003 SMS payment
  "portal/reversal": ["portal", "adjustment"], // spec 003 deletion
  "sms_gateway/deposit": ["sms_gateway", "deposit"],
  "sms_gateway/usage": ["sms_gateway", "usage"],
  "sms_gateway/reversal": ["sms_gateway", "adjustment"],
  "mobile_money/deposit": ["sms_gateway", "deposit"], // spec 001
  "api/recharge": ["sms_gateway", "deposit"], // spec 002 add-funds
  "api/usage": ["sms_gateway", "usage"], // spec 002 record-usage
  "crypto/deposit": ["sms_gateway", "deposit"], // spec 004
};

/** The account's ledger, newest first (the order of both lists), with the expected spec 000 row. */
async function ledger() {
  const rows = await query<{ id: number; source: string; type: string; amount: string }>(sql`
    SELECT id::int AS id, source, type, amount::text AS amount FROM ledger_entries
    WHERE account_id = ${story.accountId} ORDER BY occurred_at DESC, id DESC`);
  return rows.map((r) => {
    const mapped = MAPPING[`${r.source}/${r.type}`];
    if (!mapped) throw new Error(`the story posted ${r.source}/${r.type}, which the table does not list`);
    const [source, type] = mapped;
    return { ...r, expected: { id: `${source === "portal" ? "portal_P" : "sms_gateway_S"}${r.id}`, source, type } };
  });
}

describe("one account, one story", () => {
  it("adds up: every 000 history page sums to the 000 balance and to the 002 list", async () => {
    const pages = await historyPages("?limit=3");
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 2]);
    const history = pages.flat();
    const historyCents = history.reduce((sum, p) => sum + cents(p.amount), 0);

    const balance = await balance000();
    expect(balance).toEqual({
      account_id: story.accountId,
      balance: 207.15,
      currency: "USD",
      gateway_status: "ok",
    });
    expect(historyCents).toBe(story.expectedBalanceCents);
    expect(historyCents).toBe(cents(balance.balance ?? Number.NaN));

    const transactions = (await transactionPages(4)).flat();
    expect(transactions.reduce((sum, t) => sum + cents(t.amount), 0)).toBe(historyCents);
    // The same rows, once each, in the same order.
    expect(transactions.map((t) => t.id.replace("txn_", ""))).toEqual(history.map((p) => p.id.replace(/^\D+/, "")));
    expect(new Set(history.map((p) => p.id)).size).toBe(11);
  });

  it("shows every ledger row in 000 by the mapping table, and in 002 by the ledger's own type", async () => {
    const rows = await ledger();
    // The story covers every line of the table.
    expect(new Set(rows.map((r) => `${r.source}/${r.type}`))).toEqual(new Set(Object.keys(MAPPING)));

    const history = (await historyPages("")).flat();
    expect(history.map(({ id, source, type }) => ({ id, source, type }))).toEqual(rows.map((r) => r.expected));
    expect(history.map((p) => cents(p.amount))).toEqual(rows.map((r) => cents(Number(r.amount))));
    expect(history.every((p) => p.currency === "USD")).toBe(true);

    const transactions = (await transactionPages(100)).flat();
    expect(transactions.map(({ id, type }) => ({ id, type }))).toEqual(
      rows.map((r) => ({ id: `txn_${r.id}`, type: r.type })),
    );
  });

  it("filters by the mapped type: the three filters split the history exactly", async () => {
    const rows = await ledger();
    const seen: string[] = [];
    for (const type of ["deposit", "usage", "adjustment"]) {
      const res = (await history(`?type=${type}`)).json;
      const expected = rows.filter((r) => r.expected.type === type).map((r) => r.expected.id);
      expect(expected.length).toBeGreaterThan(0);
      expect(res.map((p) => p.id)).toEqual(expected);
      seen.push(...expected);
    }
    expect(seen.sort()).toEqual(rows.map((r) => r.expected.id).sort());
  });

  it("keeps only the portal rows while the gateway is partial, and answers [] while it is unavailable", async () => {
    const portal = (await ledger()).filter((r) => r.expected.source === "portal").map((r) => r.expected.id);
    expect(portal).toHaveLength(4);

    await setGateway("partial");
    const partial = await history();
    expect(partial.headers.get("x-sms-gateway-status")).toBe("partial");
    expect(partial.json.map((p) => p.id)).toEqual(portal);
    expect((await history("?type=adjustment")).json.map((p) => p.id)).toEqual(portal);
    expect((await history("?type=deposit")).json).toEqual([]);
    // The balance stays the ledger's.
    expect((await balance000()).balance).toBe(207.15);

    await setGateway("unavailable");
    expect((await history()).json).toEqual([]);
  });
});

describe("one query-parameter policy on the five GET surfaces", () => {
  const UNKNOWN = "_=1735689600000&utm_source=newsletter&trace-id=abc&pagesize=3&__proto__=x";
  const surfaces = (): {
    name: string;
    path: string;
    known: string;
    headers: Record<string, string>;
    bad?: { query: string; body: unknown };
  }[] => [
    {
      name: "000 payments",
      path: "/api/v1/user/payments",
      known: "limit=5",
      headers: { "x-api-key": story.key },
      bad: { query: "limit=0", body: { error_code: "INVALID_PARAMETER", description: expect.any(String) } },
    },
    { name: "000 balance", path: "/api/v1/user/balance", known: "", headers: { "x-api-key": story.key } },
    {
      name: "001 paiements",
      path: "/api/paiements/api-key",
      known: "size=5",
      headers: { "x-api-key": story.key },
      bad: { query: "size=0", body: { statusCode: 400, message: "size must be at least 1", error: "Bad Request" } },
    },
    {
      name: "002 transactions",
      path: `/v1/account/${story.accountId}/transactions`,
      known: "pageSize=5",
      headers: { api_key: story.key },
      bad: { query: "pageSize=0", body: { error: expect.objectContaining({ code: "bad_request" }) } },
    },
    {
      name: "003 SMS payments",
      path: `/api/v1/workspace/${story.workspaceId}/sms/payments`,
      known: "limit=5",
      headers: { authorization: `Bearer ${story.owner.token}` },
      bad: { query: "limit=0", body: { error: { code: "bad_request", message: expect.stringContaining("limit") } } },
    },
    {
      name: "004 crypto payments",
      path: "/payments/",
      known: "limit=5",
      headers: { authorization: `Bearer ${story.oauthToken}` },
      bad: {
        query: "limit=0",
        body: {
          error: {
            code: "invalid_request",
            message: "Invalid filter parameters",
            details: { limit: ["Ensure this value is greater than or equal to 1."] },
          },
        },
      },
    },
  ];

  it("ignores unknown parameters: the same answer as without them", async () => {
    for (const s of surfaces()) {
      const plain = await rawCall("GET", `${s.path}?${s.known}`, { headers: s.headers });
      const extra = await rawCall("GET", `${s.path}?${s.known}${s.known ? "&" : ""}${UNKNOWN}`, { headers: s.headers });
      expect(plain.status, s.name).toBe(200);
      expect(extra.status, s.name).toBe(200);
      expect(extra.json, s.name).toEqual(plain.json);
    }
  });

  it("still answers a bad value of a known parameter with the surface's 400, unknown ones alongside", async () => {
    for (const s of surfaces()) {
      if (!s.bad) continue;
      const res = await rawCall("GET", `${s.path}?${UNKNOWN}&${s.bad.query}`, { headers: s.headers });
      expect(res.status, s.name).toBe(400);
      expect(res.json, s.name).toEqual(s.bad.body);
    }
  });

  it("keeps refusing unknown fields in JSON bodies", async () => {
    const res = await callRouteUnchecked(
      routes.accountTransactions.addFunds,
      { params: { accountId: story.accountId }, body: { amount: 1, amonut: 1000 } },
      { api_key: story.key },
    );
    expect(expectStatus(res, 400).error.code).toBe("bad_request");
  });
});
