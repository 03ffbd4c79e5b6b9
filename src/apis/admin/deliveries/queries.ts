// SQL of the deliveries resource: a workspace's outbound webhooks and "retry now".
import { sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { auditInsert } from "../audit/queries";
import type { AuditMeta } from "../audit/record";
import { iso } from "../sql-helpers";

/**
 * Puts a workspace's undelivered delivery back to pending (a failed one gets a new round of retries).
 * status: the delivery's status before, or null when the workspace has no such delivery.
 */
export async function reopenDelivery(db: Database, meta: AuditMeta, workspaceId: string, deliveryId: string) {
  const { rows } = await db.execute<{ status: string | null }>(sql`
    WITH d AS (
      SELECT id, status, attempts FROM webhook_deliveries
      WHERE id = ${deliveryId} AND workspace_id = ${workspaceId} FOR UPDATE
    ),
    reopened AS (
      UPDATE webhook_deliveries SET status = 'pending'
      WHERE id IN (SELECT id FROM d WHERE status <> 'delivered') RETURNING id, workspace_id, status
    ),
    audit AS (${auditInsert(
      meta,
      {
        action: "delivery.retry",
        targetType: "webhook_delivery",
        targetId: sql`r.id`,
        workspaceId: sql`r.workspace_id`,
        before: sql`jsonb_build_object('status', d.status, 'attempts', d.attempts)`,
        after: sql`jsonb_build_object('status', r.status)`,
      },
      sql`FROM reopened r JOIN d ON d.id = r.id`,
    )})
    SELECT (SELECT status FROM d) AS status, (SELECT count(*) FROM reopened)::int AS reopened`);
  return rows[0]?.status ?? null;
}

export type DeliveryRow = {
  id: string;
  url: string;
  event_type: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  last_error: string | null;
  last_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
};

/** A workspace's newest 100 outbound webhooks; found=false for no workspace. */
export async function listDeliveries(db: Database, workspaceId: string) {
  const { rows } = await db.execute<{ found: boolean; deliveries: DeliveryRow[] }>(sql`
    SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ${workspaceId}) AS found,
      coalesce((SELECT json_agg(x.j ORDER BY x.created_at DESC, x.id DESC) FROM (
        SELECT json_build_object('id', d.id, 'url', d.url, 'event_type', d.event_type, 'status', d.status,
          'attempts', d.attempts, 'last_error', d.last_error, 'last_attempt_at', ${iso("d.last_attempt_at")},
          'delivered_at', ${iso("d.delivered_at")}, 'created_at', ${iso("d.created_at")}) AS j, d.created_at, d.id
        FROM webhook_deliveries d WHERE d.workspace_id = ${workspaceId}
        ORDER BY d.created_at DESC NULLS LAST, d.id DESC NULLS LAST LIMIT 100) x), '[]'::json) AS deliveries`);
  return rows[0] ?? { found: false, deliveries: [] };
}
