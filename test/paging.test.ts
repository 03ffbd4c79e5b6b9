// The offset paging planner as production runs it: the SQL of src/db/paging.ts (offsetPlan, then
// offsetPageKeys under it) in the real PostgreSQL, over a list of `total` rows numbered 1..total (the
// newest is `total`). Whatever the total, offset and limit, the page is rows [offset, offset + limit) of
// the newest-first list, and no page skips more than half of the list.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { offsetPageKeys, offsetPlan } from "../src/db/paging";
import { query, sql } from "./helpers";

type Page = { newest: boolean; oldest: boolean; take: number; skip: number; keys: number[] };

async function page(total: number, offset: number, limit: number): Promise<Page> {
  const keys = offsetPageKeys(
    {
      select: sql`SELECT i FROM generate_series(1, ${total}::int) i WHERE true`,
      newestFirst: sql`i DESC`,
      oldestFirst: sql`i ASC`,
    },
    limit,
  );
  const [row] = await query<Page>(sql`
    WITH plan AS MATERIALIZED (${offsetPlan(sql`${total}::int`, offset, limit)})
    SELECT plan.newest, plan.oldest, plan.take::int AS take, plan.skip::int AS skip,
      coalesce((SELECT json_agg(k.i ORDER BY k.i DESC) FROM (${keys}) k), '[]'::json) AS keys
    FROM plan`);
  return row!;
}

/** Rows [offset, offset + limit) of the newest-first list total, total - 1, …, 1. */
const expected = (total: number, offset: number, limit: number) =>
  Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => total - offset - i);

describe("offset paging (offsetPlan and offsetPageKeys in PostgreSQL)", () => {
  it("reads shallow pages from the newest end and deep ones from the oldest", async () => {
    expect(await page(100, 0, 20)).toEqual({
      newest: true,
      oldest: false,
      take: 20,
      skip: 0,
      keys: expected(100, 0, 20),
    });
    expect(await page(100, 40, 20)).toEqual({
      newest: true,
      oldest: false,
      take: 20,
      skip: 40,
      keys: expected(100, 40, 20),
    });
    expect(await page(100, 50, 20)).toEqual({
      newest: true,
      oldest: false,
      take: 20,
      skip: 50,
      keys: expected(100, 50, 20),
    });
    expect(await page(100, 60, 20)).toEqual({
      newest: false,
      oldest: true,
      take: 20,
      skip: 20,
      keys: expected(100, 60, 20),
    });
    expect(await page(100, 90, 20)).toEqual({
      newest: false,
      oldest: true,
      take: 10,
      skip: 0,
      keys: [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
    });
    expect(await page(100, 100, 20)).toEqual({ newest: false, oldest: false, take: 0, skip: 0, keys: [] });
    expect(await page(100, 250, 20)).toEqual({ newest: false, oldest: false, take: 0, skip: 0, keys: [] });
    expect(await page(0, 0, 20)).toEqual({ newest: false, oldest: false, take: 0, skip: 0, keys: [] });
  });

  it("always returns rows [offset, offset + limit) of the newest-first list, skipping at most half of it", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(5_000), fc.nat(5_000), fc.integer({ min: 1, max: 200 }), async (total, offset, limit) => {
        const p = await page(total, offset, limit);
        expect(p.keys).toEqual(expected(total, offset, limit));
        expect(p.take).toBe(p.keys.length);
        // Exactly one end is read when the page holds rows, none when it is past the end.
        expect([p.newest, p.oldest].filter(Boolean).length).toBe(offset < total ? 1 : 0);
        expect(p.skip).toBeLessThanOrEqual(Math.ceil(total / 2));
      }),
      { numRuns: 80 },
    );
  });
});
