// Hostile input on every route the app documents (its own OpenAPI document, so a new route is covered
// the day it lands): wrong types, huge, negative and NaN amounts, unicode and SQL-ish strings,
// oversized bodies and headers, malformed JSON, other tenants' ids. Never a 5xx, never internals in a
// body, never a change in any balance, never another tenant's data.
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTenant, type Snapshot, snapshot, type Tenant } from "./fixtures/abuse-tenants";
import { isAdmin, requestFor, routes } from "./fixtures/documented-routes";
import { query, sql } from "./helpers";

/** Generated requests per route: modest, so the file stays well under a minute. */
const RUNS = 30;

let A: Tenant;
let B: Tenant;
/** Strings only tenant B's data contains. */
let bMarkers: string[] = [];

// Postgres, driver or stack-trace text in a body would be an internal leaking out.
const INTERNALS =
  /syntax error at or near|violates (check|foreign key|unique|not-null) constraint|relation "[a-z_]+"|node_modules|\bat [\w$.<>]+ \(|\.ts:\d+:\d+|drizzle|neondatabase/i;

const stats = { tried: 0, fiveXX: 0, statuses: {} as Record<number, number>, leaks: 0 };
let before: Snapshot;

beforeAll(async () => {
  A = await makeTenant("a", "555.55");
  B = await makeTenant("b", "987654.32");
  const [bRef] = await query<{ reference: string }>(
    sql`SELECT reference FROM mobile_money_payments WHERE workspace_id = ${B.workspaceId} LIMIT 1`,
  );
  const [bBalance] = await query<{ balance: string }>(
    sql`SELECT trim_scale(balance)::text AS balance FROM accounts WHERE id = ${B.accountId}`,
  );
  bMarkers = [B.marker, bRef!.reference, B.cryptoPaymentId, B.smsPaymentId, "987654.32", bBalance!.balance];
  before = await snapshot(A, B);
}, 60_000);

afterAll(async () => {
  console.log(
    `abuse: inputs tried: ${stats.tried}, 5xx seen: ${stats.fiveXX}, leaks seen: ${stats.leaks}, ` +
      `statuses: ${JSON.stringify(stats.statuses)}`,
  );
});

describe("hostile input on every documented route", () => {
  it("documents the surfaces it attacks", () => {
    const prefixes = [
      "/admin/v1/",
      "/api/v1/user/",
      "/api/paiements",
      "/v1/account/",
      "/api/v1/workspace/",
      "/payments/",
      "/webhooks/",
    ];
    for (const p of prefixes)
      expect(
        routes.some((r) => r.path.startsWith(p)),
        p,
      ).toBe(true);
  });

  for (const route of routes) {
    it(`${route.method} ${route.path}: never a 5xx, internals or another tenant's data`, async () => {
      await fc.assert(
        fc.asyncProperty(requestFor(route, { A, B }), async (req) => {
          const res = await SELF.fetch(req.url, req.init);
          const text = await res.text();
          stats.tried++;
          stats.statuses[res.status] = (stats.statuses[res.status] ?? 0) + 1;
          if (res.status >= 500) stats.fiveXX++;
          expect(res.status, `→ ${text.slice(0, 300)}`).toBeLessThan(500);
          expect(text).not.toMatch(INTERNALS);
          if (!isAdmin(route)) {
            const leaked = bMarkers.filter((m) => text.includes(m) && !req.sent.includes(m));
            if (leaked.length) stats.leaks++;
            expect(leaked, "leaked tenant B's data").toEqual([]);
          }
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    });
  }

  it("changed no balance and posted no entry", async () => {
    const after = await snapshot(A, B);
    const changed = Object.keys(before).filter(
      (id) => after[id]?.balance !== before[id]!.balance || after[id]?.entries !== before[id]!.entries,
    );
    console.log(`abuse: accounts checked: ${Object.keys(before).length}, balance changes: ${changed.length}`);
    expect(changed).toEqual([]);
    expect(stats.tried).toBeGreaterThan(routes.length * RUNS * 0.9);
  });
});
