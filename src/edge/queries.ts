// SQL of the edge's scheduled jobs: the mirror's re-sync (which accounts to compare with their KV state,
// and the gateway state an operator set last) and the gateway monitor (when the gateway last sent an event).
import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import type { AccountStatus } from "../db/schema";

export type ResyncRow = {
  id: string;
  workspace_id: string;
  currency: string;
  status: AccountStatus;
  in_slice: boolean;
};

/** How far back a recorded account change makes the account a re-sync candidate on every run. */
export const RECENT_CHANGES = "15 minutes";

/**
 * The next slice of all accounts in id order (after `cursor`, `size` of them), plus every account whose
 * status or creation was recorded in the audit trail lately: a KV write lost after such a commit is
 * repaired by the next run, and the slices renew every entry long before its TTL.
 */
export async function accountsToResync(db: Database, cursor: string | null, size: number) {
  const { rows } = await db.execute<ResyncRow>(sql`
    WITH slice AS (
      SELECT id, workspace_id, currency, status FROM accounts
      WHERE ${cursor}::uuid IS NULL OR id > ${cursor}::uuid ORDER BY id LIMIT ${size}
    ),
    recent AS (
      SELECT a.id, a.workspace_id, a.currency, a.status FROM accounts a
      WHERE a.id IN (
        SELECT e.account_id FROM audit_events e
        WHERE e.occurred_at > now() - ${RECENT_CHANGES}::interval
          AND e.action IN ('account.create', 'account.status') AND e.account_id IS NOT NULL)
        AND a.id NOT IN (SELECT id FROM slice)
    )
    SELECT id::text AS id, workspace_id::text AS workspace_id, currency, status, true AS in_slice FROM slice
    UNION ALL
    SELECT id::text, workspace_id::text, currency, status, false FROM recent
    ORDER BY in_slice DESC, id`);
  return rows;
}

/** The gateway state an operator set most recently (its audit row's `after`), if one was set lately. */
export async function latestGatewaySet(db: Database): Promise<unknown> {
  const { rows } = await db.execute<{ after: unknown }>(sql`
    SELECT after FROM audit_events
    WHERE action = 'gateway.set' AND occurred_at > now() - ${RECENT_CHANGES}::interval
    ORDER BY occurred_at DESC, id DESC LIMIT 1`);
  return rows[0]?.after ?? null;
}

/** When the SMS gateway's newest event arrived (text timestamp), or null before its first. */
export async function lastGatewayEventAt(db: Database): Promise<string | null> {
  const { rows } = await db.execute<{ last: string | null }>(
    sql`SELECT max(received_at)::text AS last FROM webhook_events WHERE upstream = 'sms_gateway'`,
  );
  return rows[0]?.last ?? null;
}
