import { type Placeholder, type SQL, sql } from "drizzle-orm";

/**
 * How to read one newest-first offset page, inside the one statement that also reads the total: the body
 * of a CTE that the page's statement names `plan`, from the number of rows the list matches (0 when the
 * caller may read nothing). A page in the older half is read from the other end of the index (ascending,
 * smaller offset), so deep pages cost no more than shallow ones. `skip` is the offset from whichever end
 * is read; `take` 0 (neither end) when the page is past the end. test/paging.test.ts runs it in PostgreSQL.
 */
export const offsetPlan = (matching: SQL, offset: number | Placeholder, limit: number | Placeholder) => sql`
  SELECT take > 0 AND NOT from_end AS newest, take > 0 AND from_end AS oldest, take,
    CASE WHEN from_end THEN greatest(n - ${offset}::bigint - take, 0) ELSE ${offset}::bigint END AS skip
  FROM (SELECT n, 2 * ${offset}::bigint > n AS from_end, greatest(least(${limit}::bigint, n - ${offset}::bigint), 0) AS take
        FROM (SELECT (${matching})::bigint AS n) counted) planned`;

export type PageKeys = {
  /** `SELECT <key columns> FROM <table> WHERE <the list's filter>` (the plan's conditions are ANDed on). */
  select: SQL;
  /** The list's order and its exact reverse, as an index serves them. */
  newestFirst: SQL;
  oldestFirst: SQL;
};

/**
 * The keys of one newest-first offset page under the `plan` CTE: read from the newest end, or from the
 * oldest end when the page lies in the older half, so no page skips more than half of the list's rows.
 * Selecting only indexed columns lets PostgreSQL skip with an index-only scan; the caller joins the
 * keys back to the rows and orders them newest first.
 * Both branches take their offset from `plan`, so the planner plans both alike, on the index, whatever
 * the offset (a constant deep offset would make it plan the branch that does not run as a full sort).
 * The outer LIMIT (never reached: one branch runs, with at most `limit` rows) tells it how few keys come
 * out, so it joins them back by primary key.
 */
export const offsetPageKeys = (keys: PageKeys, limit: number | Placeholder) => sql`
  SELECT * FROM (
    (${keys.select} AND (SELECT newest FROM plan) ORDER BY ${keys.newestFirst}
     LIMIT ${limit} OFFSET (SELECT skip FROM plan))
    UNION ALL
    (${keys.select} AND (SELECT oldest FROM plan) ORDER BY ${keys.oldestFirst}
     LIMIT (SELECT take FROM plan) OFFSET (SELECT skip FROM plan))
  ) both_ends LIMIT ${limit}`;
