// The admin API's read side (issue 12): the lists, the account, its entries, CSV, balance history,
// overview and delivery retry, each scoped to its own workspace or account.
import { describe, expect, it } from "vitest";
import { FAILING_DELIVERIES_SHOWN } from "../src/apis/admin/overview/queries";
import {
  ADMIN,
  adjust,
  adminCall,
  callRoute,
  callRouteUnchecked,
  createAccount,
  createKey,
  createWorkspace,
  expectStatus,
  importEntry,
  ledgerInvariant,
  query,
  routes,
  seedEntries,
  sql,
} from "./helpers";
import { openApiDocument } from "./openapi-doc";

const { accounts, apiKeys, deliveries, entries, members, oauthClients, overview, workspaces } = routes;

const UNKNOWN = "00000000-0000-4000-8000-000000000000";
const uniq = () => Math.random().toString(36).slice(2, 10);
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const noonOf = (offset: number) => `${day(offset)}T12:00:00.000Z`;

/** Every item of a cursor-paged list: `page` reads one page (its items and next cursor) from a cursor. */
async function allPages<T>(page: (cursor?: string) => Promise<{ items: T[]; next_cursor: string | null }>) {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const { items, next_cursor } = await page(cursor);
    out.push(...items);
    if (next_cursor === null) return out;
    cursor = next_cursor;
  }
  throw new Error("more than 50 pages");
}

/** A delivery row as the queue consumer leaves it; last attempted at `lastAttemptAt`, or now when null. */
async function failedDelivery(
  workspaceId: string,
  status = "failed",
  attempts = 8,
  lastAttemptAt: string | null = "2026-11-20T10:00:00Z",
) {
  const id = `msg_test${uniq()}${uniq()}`;
  await query(sql`
    INSERT INTO webhook_deliveries (id, workspace_id, url, event_type, payload, status, attempts, last_error, last_attempt_at)
    VALUES (${id}, ${workspaceId}, 'https://merchant.example/hook', 'payment.status_changed', '{"type":"x"}', ${status},
      ${attempts}, 'HTTP 500', coalesce(${lastAttemptAt}::timestamptz, now()))`);
  return id;
}

type Figures = { workspaces: number; accounts: number; entries_today: number };

/** The overview's figures as the database has them, and the ids of the failing deliveries it should list. */
async function databaseFigures() {
  const [row] = await query<Figures & { failing_ids: string[] }>(sql`
    SELECT (SELECT count(*) FROM workspaces)::int AS workspaces, (SELECT count(*) FROM accounts)::int AS accounts,
      (SELECT count(*) FROM ledger_entries WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')::int
        AS entries_today,
      coalesce((SELECT json_agg(id) FROM (
        SELECT id FROM webhook_deliveries WHERE status <> 'delivered' AND last_error IS NOT NULL
        ORDER BY last_attempt_at DESC NULLS LAST, id DESC NULLS LAST LIMIT ${FAILING_DELIVERIES_SHOWN}) f), '[]'::json)
        AS failing_ids`);
  return row!;
}

/**
 * GET /overview read while the database stood still (the same figures just before and just after it), with
 * those figures: other suites write to the same database while this one runs.
 */
async function quietOverview() {
  for (let i = 0; i < 20; i++) {
    const before = await databaseFigures();
    const res = await adminCall(overview.getOverview, {});
    const after = await databaseFigures();
    const figures = expectStatus(res, 200);
    if (JSON.stringify(before) !== JSON.stringify(after)) continue;
    const { failing_deliveries } = figures;
    return {
      overview: { workspaces: figures.workspaces, accounts: figures.accounts, entries_today: figures.entries_today },
      truth: { workspaces: before.workspaces, accounts: before.accounts, entries_today: before.entries_today },
      failing: failing_deliveries,
      failing_ids: before.failing_ids,
    };
  }
  throw new Error("the database never stood still for one overview in 20 tries");
}

describe("admin: workspace list and search", () => {
  it("finds by case-insensitive name prefix in name order, pages with a cursor, and by exact id", async () => {
    const tag = `Zq${uniq()}`;
    const b = await createWorkspace(`${tag.toLowerCase()} beta`);
    const a = await createWorkspace(`${tag} Alpha`);
    const c = await createWorkspace(`${tag} Gamma`);
    await createWorkspace(`Not ${tag}`);
    await createAccount(a.id);
    const all = await allPages(async (cursor) => {
      const res = await adminCall(workspaces.listWorkspaces, { query: { q: tag.toUpperCase(), limit: "1", cursor } });
      const page = expectStatus(res, 200);
      return { items: page.workspaces, next_cursor: page.next_cursor };
    });
    expect(all.map((w) => w.id)).toEqual([a.id, b.id, c.id]);
    expect(all[0]).toMatchObject({ name: `${tag} Alpha`, account_count: 1 });
    const byId = expectStatus(await adminCall(workspaces.listWorkspaces, { query: { q: b.id } }), 200);
    expect(byId.workspaces.map((w) => w.id)).toEqual([b.id]);
    expect(byId.next_cursor).toBeNull();
  });

  it("treats % and _ in the search as plain characters", async () => {
    const tag = uniq();
    const literal = await createWorkspace(`${tag}%_x`);
    await createWorkspace(`${tag}ab`);
    const res = expectStatus(await adminCall(workspaces.listWorkspaces, { query: { q: `${tag}%_` } }), 200);
    expect(res.workspaces.map((w) => w.id)).toEqual([literal.id]);
  });

  it("refuses a bad limit or cursor in the admin envelope", async () => {
    for (const q of ["limit=0", "limit=101", "limit=abc", "cursor=nope"]) {
      const res = await callRouteUnchecked(workspaces.listWorkspaces, { query: `?${q}` }, ADMIN);
      expect(res.status, q).toBe(400);
      expect(expectStatus(res, 400).error.code, q).toBe("bad_request");
    }
  });
});

describe("admin: one workspace", () => {
  it("shows its own keys, members and OAuth clients only", async () => {
    const mine = await createWorkspace("Mine");
    const other = await createWorkspace("Other");
    const acct = await createAccount(mine.id);
    const key = await createKey(mine.id, { account_id: acct.id, permissions: ["payments.read"] });
    const otherKey = await createKey(other.id, { permissions: ["payments.read"] });
    const member = (workspace_id: string, email: string, role: "owner" | "staff") =>
      adminCall(members.createMember, { params: { workspace_id }, json: { email, role } });
    expect((await member(mine.id, "b@example.com", "staff")).status).toBe(201);
    expect((await member(mine.id, "a@example.com", "owner")).status).toBe(201);
    expect((await member(other.id, "z@example.com", "owner")).status).toBe(201);
    const client = expectStatus(
      await adminCall(oauthClients.createOAuthClient, {
        params: { workspace_id: mine.id },
        json: { name: "shop", scopes: ["read"] },
      }),
      201,
    );
    expect((await adminCall(apiKeys.revokeApiKey, { params: { id: key.id } })).status).toBe(204);
    const res = expectStatus(await adminCall(workspaces.getWorkspace, { params: { workspace_id: mine.id } }), 200);
    expect(res).toMatchObject({ id: mine.id, name: "Mine", account_count: 1 });
    expect(res.api_keys).toHaveLength(1);
    expect(res.api_keys[0]).toMatchObject({ id: key.id, prefix: key.prefix, account_id: acct.id });
    expect(res.api_keys[0]?.revoked_at).toMatch(/Z$/);
    expect(JSON.stringify(res)).not.toContain(otherKey.id);
    expect(res.members.map((m) => m.email)).toEqual(["a@example.com", "b@example.com"]);
    expect(res.oauth_clients).toEqual([
      expect.objectContaining({ client_id: client.client_id, name: "shop", scopes: ["read"], revoked_at: null }),
    ]);
    expect((await adminCall(workspaces.getWorkspace, { params: { workspace_id: UNKNOWN } })).status).toBe(404);
    const badId = await callRouteUnchecked(workspaces.getWorkspace, { params: { workspace_id: "not-a-uuid" } }, ADMIN);
    expect(badId.status).toBe(400);
  });

  it("lists its accounts oldest first with cursor paging, and none of another workspace's", async () => {
    const ws = await createWorkspace();
    const other = await createWorkspace();
    const made = [];
    for (const currency of ["EUR", "USD", "XOF"]) made.push(await createAccount(ws.id, { currency }));
    await createAccount(other.id);
    await adjust(made[1]!.id, "12.50");
    const all = await allPages(async (cursor) => {
      const res = await adminCall(accounts.listAccounts, {
        params: { workspace_id: ws.id },
        query: { limit: "2", cursor },
      });
      const page = expectStatus(res, 200);
      return { items: page.accounts, next_cursor: page.next_cursor };
    });
    expect(all.map((a) => a.id)).toEqual(made.map((a) => a.id));
    expect(all[1]).toMatchObject({ currency: "USD", balance: 12.5, entry_count: 1, status: "active" });
    expect((await adminCall(accounts.listAccounts, { params: { workspace_id: UNKNOWN } })).status).toBe(404);
    const badCursor = await adminCall(accounts.listAccounts, {
      params: { workspace_id: ws.id },
      query: { cursor: "bad" },
    });
    expect(badCursor.status).toBe(400);
  });
});

describe("admin: one account", () => {
  it("reconciles the sum of its entries against its balance", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    await adjust(acct.id, "100.10");
    await adjust(acct.id, "-0.20");
    const res = await adminCall(accounts.getAccount, { params: { account_id: acct.id } });
    expect(expectStatus(res, 200)).toMatchObject({
      id: acct.id,
      workspace_id: ws.id,
      workspace_name: "Acme",
      balance: 99.9,
      entry_count: 2,
      reconciliation: { entries_sum: 99.9, entries_count: 2, difference: 0, balanced: true },
    });
    expect((await adminCall(accounts.getAccount, { params: { account_id: UNKNOWN } })).status).toBe(404);
  });

  it("pages its entries newest first with filters, and nothing of other accounts", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const other = await createAccount(ws.id);
    await adjust(other.id, "1");
    await importEntry(acct.id, { type: "deposit", amount: "10", description: "old", occurred_at: noonOf(-3) });
    await importEntry(acct.id, { type: "usage", amount: "-2.5", description: "use", occurred_at: noonOf(-2) });
    const p1 = await adjust(acct.id, "0.1", "portal one");
    const p2 = await adjust(acct.id, "-1", "portal two");
    const all = await allPages(async (cursor) => {
      const res = await adminCall(entries.listEntries, {
        params: { account_id: acct.id },
        query: { limit: "1", cursor },
      });
      const page = expectStatus(res, 200);
      return { items: page.entries, next_cursor: page.next_cursor };
    });
    expect(all).toHaveLength(4);
    expect(all[0]).toMatchObject({ id: p2.id, amount: -1, source: "portal", type: "adjustment", balance_after: 6.6 });
    expect(all[1]?.id).toBe(p1.id);
    expect(new Set(all.map((e) => e.account_id))).toEqual(new Set([acct.id]));
    const entriesWith = (q: string) =>
      callRouteUnchecked(entries.listEntries, { params: { account_id: acct.id }, query: `?${q}` }, ADMIN);
    const list = async (q: string) => expectStatus(await entriesWith(q), 200).entries.map((e) => e.description);
    expect(await list("source=portal")).toEqual(["portal two", "portal one"]);
    expect(await list("type=usage")).toEqual(["use"]);
    expect(await list(`from=${day(-3)}&to=${day(-2)}`)).toEqual(["use", "old"]);
    expect(await list(`to=${day(-3)}`)).toEqual(["old"]);
    for (const q of [
      "type=refund",
      "source=bank",
      "from=2026-02-30",
      "from=2026-13-01",
      "from=yesterday",
      `from=${day(0)}&to=${day(-1)}`,
    ]) {
      const res = await entriesWith(q);
      expect(res.status, q).toBe(400);
      expect(expectStatus(res, 400).error.message, q).toMatch(/type|source|from|to/);
    }
    expect((await adminCall(entries.listEntries, { params: { account_id: UNKNOWN } })).status).toBe(404);
  });

  it("gives the closing balance of each day by posting time, never a balance the account did not have", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    // Posted today, effective on earlier days: the account held 0 until today, never -3.25.
    await adjust(acct.id, "10");
    await importEntry(acct.id, { type: "usage", amount: "-3.25", description: "u", occurred_at: noonOf(-1) });
    await importEntry(acct.id, { type: "deposit", amount: "2", description: "d", occurred_at: noonOf(-2) });
    const history = (account_id: string, query: { from?: string; to?: string } = {}) =>
      adminCall(accounts.getBalanceHistory, { params: { account_id }, query });
    const res = await history(acct.id, { from: day(-3), to: day(0) });
    expect(expectStatus(res, 200)).toEqual({
      account_id: acct.id,
      currency: "EUR",
      from: day(-3),
      to: day(0),
      points: [
        { date: day(-3), balance: 0 },
        { date: day(-2), balance: 0 },
        { date: day(-1), balance: 0 },
        { date: day(0), balance: 8.75 },
      ],
    });
    const past = expectStatus(await history(acct.id, { from: day(-3), to: day(-2) }), 200);
    expect(past.points.map((p) => p.balance)).toEqual([0, 0]);
    const fallback = expectStatus(await history(acct.id), 200);
    expect(fallback.points).toHaveLength(30);
    expect(fallback.points.at(-1)).toEqual({ date: day(0), balance: 8.75 });
    expect(fallback.to).toBe(day(0));
    expect((await history(acct.id, { from: "2025-01-01", to: "2026-06-01" })).status).toBe(400);
    expect((await history(UNKNOWN)).status).toBe(404);
  });

  it("carries the balance of earlier postings into the period", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    // Postings of three days ago and yesterday (posted_at set as a data import would).
    await seedEntries(
      [acct.id],
      sql`SELECT ${acct.id}::uuid, v.amount::numeric, 'EUR', 'portal', 'adjustment', 'old', v.after::numeric, v.at, v.seq::bigint
      FROM (VALUES (5, 5, now() - interval '3 days', 1), (-2, 3, now() - interval '1 day', 2)) v (amount, after, at, seq)`,
    );
    const res = await adminCall(accounts.getBalanceHistory, {
      params: { account_id: acct.id },
      query: { from: day(-2), to: day(0) },
    });
    expect(expectStatus(res, 200).points).toEqual([
      { date: day(-2), balance: 5 },
      { date: day(-1), balance: 3 },
      { date: day(0), balance: 3 },
    ]);
  });
});

describe("admin: CSV export", () => {
  it("streams a header and every row of the period, exact, quoted where needed", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    await importEntry(acct.id, { type: "deposit", amount: "10", description: "too old", occurred_at: noonOf(-40) });
    const a = await adjust(acct.id, "0.10", 'Refund, "goodwill"');
    const b = await adjust(acct.id, "-3.25", "=HYPERLINK(1)");
    const res = await adminCall(entries.exportEntries, { params: { account_id: acct.id } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toContain(`entries-${acct.id}-${day(-29)}-${day(0)}.csv`);
    const lines = res.text.split("\r\n");
    expect(lines[0]).toBe("id,occurred_at,source,type,description,amount,currency,balance_after");
    expect(lines[1]).toBe(`${b.id},"${b.occurred_at}","portal","adjustment","'=HYPERLINK(1)",-3.25,"EUR",6.85`);
    expect(lines[2]).toBe(`${a.id},"${a.occurred_at}","portal","adjustment","Refund, ""goodwill""",0.10,"EUR",10.10`);
    expect(lines.slice(3)).toEqual([""]);
  });

  it("quotes every text field and neutralises a formula start after any separator", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    // [description, as the CSV must hold it]: each formula character at the start, after ",", ";" and tab.
    const cases: [string, string][] = [
      ["plain words", '"plain words"'],
      ["a;=1+2", `"a;'=1+2"`],
      ["a,+1", `"a,'+1"`],
      ["a;-1", `"a;'-1"`],
      ["a;@SUM(A1)", `"a;'@SUM(A1)"`],
      ["a\t=1", `"a\t'=1"`],
      ["x;;=cmd", `"x;;'=cmd"`],
      ["@start", `"'@start"`],
      ["+start", `"'+start"`],
      ["-start; =spaced", `"'-start; =spaced"`],
      ['q"=1', `"q""=1"`],
      ["1-2=3", '"1-2=3"'],
    ];
    const posted: { id: number }[] = [];
    for (const [description] of cases) posted.push(await adjust(acct.id, "1", description));
    const res = await adminCall(entries.exportEntries, { params: { account_id: acct.id } });
    expect(res.status).toBe(200);
    const descriptions = res.text
      .trimEnd()
      .split("\r\n")
      .slice(1)
      .reverse()
      .map((line, i) => {
        const prefix = `${posted[i]?.id},"`;
        expect(line.startsWith(prefix), line).toBe(true);
        // id, occurred_at, source, type, then the description; after it: amount, currency, balance.
        const afterType = line.indexOf('"adjustment",') + '"adjustment",'.length;
        return line.slice(afterType, line.lastIndexOf(',1.00,"EUR",'));
      });
    expect(descriptions).toEqual(cases.map(([, csv]) => csv));
  });

  it("covers a period longer than one chunk, row for row", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const rows = 2345;
    // Posted oldest first (bulk 2345 is seq 1), so "bulk 1" is the newest both by posting and by date.
    await seedEntries(
      [acct.id],
      sql`SELECT ${acct.id}::uuid, 0.01::numeric, 'EUR', 'sms_gateway', 'deposit', 'bulk ' || i, (${rows} - i + 1) * 0.01,
        now() - interval '1 hour' - i * interval '1 second', (${rows} - i + 1)::bigint
      FROM generate_series(1, ${rows}::int) i`,
      "clearing:sms_gateway",
    );
    expect((await ledgerInvariant(acct.id)).count).toBe(rows);
    const res = await adminCall(entries.exportEntries, {
      params: { account_id: acct.id },
      query: { from: day(-1), to: day(0) },
    });
    expect(res.status).toBe(200);
    const lines = res.text.trimEnd().split("\r\n").slice(1);
    expect(lines).toHaveLength(rows);
    expect(lines.map((l) => l.split(",")[4])).toEqual(Array.from({ length: rows }, (_, i) => `"bulk ${i + 1}"`));
    expect(new Set(lines.map((l) => l.split(",")[0])).size).toBe(rows);
  });

  it("answers an unknown account or a bad period in the admin envelope, and needs the admin token", async () => {
    expect((await adminCall(entries.exportEntries, { params: { account_id: UNKNOWN } })).status).toBe(404);
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const long = await adminCall(entries.exportEntries, {
      params: { account_id: acct.id },
      query: { from: "2024-01-01", to: "2026-01-01" },
    });
    expect(expectStatus(long, 400).error.message).toContain("366 days");
    expect((await callRoute(entries.exportEntries, { params: { account_id: acct.id } })).status).toBe(401);
  });
});

describe("admin: overview and webhook deliveries", () => {
  it("counts workspaces, accounts and today's entries exactly, and moves by exactly what was added", async () => {
    // Other suites write to the same database meanwhile: each reading is taken while nothing changed, and
    // the delta is compared once the database moved by this test's writes alone (it retries otherwise).
    const added = { workspaces: 1, accounts: 2, entries_today: 3 };
    let isolated = false;
    for (let attempt = 0; attempt < 5 && !isolated; attempt++) {
      const before = await quietOverview();
      expect(before.overview).toEqual(before.truth);
      const ws = await createWorkspace(`Counted ${uniq()}`);
      const a = await createAccount(ws.id, { currency: "EUR" });
      await createAccount(ws.id, { currency: "USD" });
      for (const amount of ["1.00", "2.00", "-0.50"]) await adjust(a.id, amount);
      const after = await quietOverview();
      expect(after.overview).toEqual(after.truth);
      const delta = (f: keyof Figures, side: "overview" | "truth") => after[side][f] - before[side][f];
      const moved = (side: "overview" | "truth") => ({
        workspaces: delta("workspaces", side),
        accounts: delta("accounts", side),
        entries_today: delta("entries_today", side),
      });
      isolated = JSON.stringify(moved("truth")) === JSON.stringify(added);
      if (isolated) expect(moved("overview")).toEqual(added);
    }
    if (!isolated) console.warn("overview: other suites wrote in every window; only the exact equalities were checked");
  });

  it("lists the newest failing deliveries with their workspace", async () => {
    const ws = await createWorkspace(`Hooks ${uniq()}`);
    const id = await failedDelivery(ws.id, "failed", 8, null);
    const { overview, truth, failing, failing_ids } = await quietOverview();
    expect(overview).toEqual(truth);
    expect(failing.map((d) => d.id)).toEqual(failing_ids);
    expect(failing.find((d) => d.id === id)).toEqual({
      id,
      workspace_id: ws.id,
      workspace_name: ws.name,
      url: "https://merchant.example/hook",
      event_type: "payment.status_changed",
      status: "failed",
      attempts: 8,
      last_error: "HTTP 500",
      last_attempt_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
  });

  it("shows when a pending delivery is retried next", async () => {
    const ws = await createWorkspace();
    const id = await failedDelivery(ws.id, "pending", 2);
    const res = await adminCall(deliveries.listDeliveries, { params: { workspace_id: ws.id } });
    const d = expectStatus(res, 200).deliveries.find((x) => x.id === id);
    // Two attempts failed: the queue waits 30 s × 4 before the third.
    expect(d?.next_attempt_at).toBe("2026-11-20T10:02:00.000Z");
  });

  it("retries a failed delivery of its own workspace now; not a delivered or a foreign one", async () => {
    const ws = await createWorkspace();
    const other = await createWorkspace();
    const failed = await failedDelivery(ws.id);
    const retry = (delivery_id: string) =>
      adminCall(deliveries.retryDelivery, { params: { workspace_id: ws.id, delivery_id } });
    const res = await retry(failed);
    expect(expectStatus(res, 202)).toEqual({ id: failed, status: "pending" });
    const [row] = await query<{ status: string }>(sql`SELECT status FROM webhook_deliveries WHERE id = ${failed}`);
    expect(row?.status).not.toBe("failed");
    const delivered = await failedDelivery(ws.id, "delivered", 1);
    expect((await retry(delivered)).status).toBe(409);
    const foreign = await failedDelivery(other.id);
    expect((await retry(foreign)).status).toBe(404);
    const [untouched] = await query<{ status: string }>(
      sql`SELECT status FROM webhook_deliveries WHERE id = ${foreign}`,
    );
    expect(untouched?.status).toBe("failed");
  });
});

describe("admin read routes in OpenAPI", () => {
  it("documents every new path", async () => {
    const doc = await openApiDocument();
    const documented: [string, string][] = [
      ["/admin/v1/workspaces", "get"],
      ["/admin/v1/workspaces/{workspace_id}", "get"],
      ["/admin/v1/workspaces/{workspace_id}/accounts", "get"],
      ["/admin/v1/accounts/{account_id}", "get"],
      ["/admin/v1/accounts/{account_id}/entries", "get"],
      ["/admin/v1/accounts/{account_id}/entries.csv", "get"],
      ["/admin/v1/accounts/{account_id}/balance-history", "get"],
      ["/admin/v1/overview", "get"],
      ["/admin/v1/workspaces/{workspace_id}/webhook-deliveries/{delivery_id}/retry", "post"],
    ];
    for (const [path, method] of documented) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation?.security, path).toEqual([{ adminBearer: [] }]);
    }
  });
});
