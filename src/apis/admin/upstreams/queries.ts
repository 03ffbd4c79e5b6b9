// SQL of the upstream health (issue 20): the clearing balance with its opening part, the credits past
// the settlement window (oldest first), verified events refused with no posting, and recent credits with
// no received event. One statement.
import type { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import type { Upstream } from "../../../ledger/posting";
import { iso } from "../sql-helpers";
import type { UpstreamHealth } from "./schemas";

/** Credits, refusals and unmatched credits listed (the totals count them all). */
export const HEALTH_LISTED = 100;
/** How far back "credits with no received event" looks (posting time; BRIN on created_at). */
export const EVENTLESS_LOOKBACK_DAYS = 30;

type HealthRow = Omit<z.infer<typeof UpstreamHealth>, "window_days" | "upstream" | "currency">;

/** The event id a credit of this upstream was posted for (mobile money, crypto: metadata; gateway: its ref). */
const eventIdOf = (upstream: Upstream) =>
  upstream === "sms_gateway" ? sql`substr(e.external_ref, length('sms_gateway:') + 1)` : sql`e.metadata->>'webhook_id'`;

export async function upstreamHealth(
  db: Database,
  q: { upstream: Upstream; currency: string; windowDays: number },
): Promise<HealthRow> {
  const clearing = `clearing:${q.upstream}`;
  const { rows } = await db.execute<HealthRow>(sql`
    WITH credits AS MATERIALIZED (
      SELECT e.transaction_id, e.account_id, e.amount, e.external_ref, s.posted_at
      FROM system_legs s
      JOIN ledger_entries e ON e.transaction_id = s.transaction_id AND e.source = ${q.upstream} AND e.type = 'deposit'
      WHERE s.account_code = ${clearing} AND s.currency = ${q.currency} AND NOT s.opening
        AND s.posted_at < now() - make_interval(days => ${q.windowDays})
        AND NOT EXISTS (SELECT 1 FROM reconciliation_settled_credits c WHERE c.transaction_id = e.transaction_id)
    ), refused AS MATERIALIZED (
      SELECT r.* FROM webhook_refusals r
      WHERE r.upstream = ${q.upstream}
        AND NOT EXISTS (SELECT 1 FROM webhook_events w WHERE w.upstream = r.upstream AND w.event_id = r.event_id)
    ), eventless AS MATERIALIZED (
      SELECT e.transaction_id, e.account_id, e.amount, e.external_ref, e.created_at FROM ledger_entries e
      WHERE e.created_at >= now() - make_interval(days => ${EVENTLESS_LOOKBACK_DAYS})
        AND e.source = ${q.upstream} AND e.type = 'deposit' AND e.currency = ${q.currency}
        AND NOT EXISTS (SELECT 1 FROM webhook_events w WHERE w.upstream = ${q.upstream} AND w.event_id = ${eventIdOf(q.upstream)})
    )
    SELECT
      (SELECT coalesce(sum(balance), 0)::text FROM system_balances
        WHERE account_code = ${clearing} AND currency = ${q.currency}) AS clearing_balance,
      (SELECT coalesce(sum(amount), 0)::text FROM system_legs
        WHERE account_code = ${clearing} AND currency = ${q.currency} AND opening) AS opening_balance,
      json_build_object(
        'amount', (SELECT coalesce(sum(amount), 0)::text FROM credits),
        'count', (SELECT count(*)::int FROM credits),
        'oldest', coalesce((SELECT json_agg(json_build_object('transaction_id', transaction_id,
            'account_id', account_id, 'key', external_ref, 'amount', amount::text, 'posted_at', ${iso("posted_at")})
            ORDER BY posted_at, transaction_id)
          FROM (SELECT * FROM credits ORDER BY posted_at, transaction_id LIMIT ${HEALTH_LISTED}) x), '[]'::json))
        AS past_window,
      json_build_object(
        'count', (SELECT count(*)::int FROM refused),
        'newest', coalesce((SELECT json_agg(json_build_object('event_id', event_id, 'status', status,
            'reason', reason, 'attempts', attempts, 'first_at', ${iso("first_at")}, 'last_at', ${iso("last_at")})
            ORDER BY last_at DESC, event_id)
          FROM (SELECT * FROM refused ORDER BY last_at DESC, event_id LIMIT ${HEALTH_LISTED}) x), '[]'::json))
        AS refused_events,
      json_build_object(
        'count', (SELECT count(*)::int FROM eventless),
        'newest', coalesce((SELECT json_agg(json_build_object('transaction_id', transaction_id,
            'account_id', account_id, 'key', external_ref, 'amount', amount::text, 'posted_at', ${iso("created_at")})
            ORDER BY created_at DESC, transaction_id DESC)
          FROM (SELECT * FROM eventless ORDER BY created_at DESC, transaction_id DESC LIMIT ${HEALTH_LISTED}) x),
          '[]'::json))
        AS credits_without_event`);
  const row = rows[0];
  if (!row) throw new Error("the health statement returned no row");
  return row;
}

/**
 * Per upstream and currency: the clearing balance and the unsettled credits past that upstream's
 * window (the overview's "stuck money"). One statement.
 */
export async function clearingOverview(db: Database, windows: Record<Upstream, number>) {
  const rows = Object.entries(windows).map(([u, days]) => sql`(${u}::text, ${days}::int)`);
  const { rows: result } = await db.execute<{
    upstream: Upstream;
    currency: string;
    clearing_balance: string;
    past_window_amount: string;
    past_window_count: number;
    window_days: number;
  }>(sql`
    WITH w (upstream, days) AS (VALUES ${sql.join(rows, sql`, `)}),
    balances AS (
      SELECT w.upstream, b.currency, sum(b.balance) AS balance FROM w
      JOIN system_balances b ON b.account_code = 'clearing:' || w.upstream GROUP BY 1, 2),
    stuck AS (
      SELECT w.upstream, s.currency, sum(e.amount) AS amount, count(*)::int AS n FROM w
      JOIN system_legs s ON s.account_code = 'clearing:' || w.upstream AND NOT s.opening
        AND s.posted_at < now() - make_interval(days => w.days)
      JOIN ledger_entries e ON e.transaction_id = s.transaction_id AND e.source = w.upstream AND e.type = 'deposit'
      WHERE NOT EXISTS (SELECT 1 FROM reconciliation_settled_credits c WHERE c.transaction_id = e.transaction_id)
      GROUP BY 1, 2)
    SELECT b.upstream, b.currency, b.balance::text AS clearing_balance,
      coalesce(s.amount, 0)::text AS past_window_amount, coalesce(s.n, 0) AS past_window_count, w.days AS window_days
    FROM balances b JOIN w ON w.upstream = b.upstream
    LEFT JOIN stuck s ON s.upstream = b.upstream AND s.currency = b.currency
    ORDER BY b.upstream, b.currency`);
  return result;
}
