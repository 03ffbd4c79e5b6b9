// The statements of outbound merchant webhooks: the delivery a queue message names, each attempt's
// record, the deliveries whose message was never sent, and the workspace's signing secret.
import { sql } from "drizzle-orm";
import type { Executor } from "../db/client";

export type DeliveryRow = {
  id: string;
  workspace_id: string;
  url: string;
  payload: unknown;
  status: "pending" | "delivered" | "failed";
  webhook_secret: string | null;
};

/** The delivery and its workspace's signing secret. */
export async function findDelivery(db: Executor, deliveryId: string): Promise<DeliveryRow | undefined> {
  const { rows } = await db.execute<DeliveryRow>(sql`
    SELECT d.id, d.workspace_id::text AS workspace_id, d.url, d.payload, d.status, w.webhook_secret
    FROM webhook_deliveries d JOIN workspaces w ON w.id = d.workspace_id WHERE d.id = ${deliveryId}`);
  return rows[0];
}

/** One attempt of a pending delivery: its outcome and, when it failed, why. */
export async function recordAttempt(
  db: Executor,
  deliveryId: string,
  outcome: "delivered" | "failed" | "pending",
  error: string | null,
) {
  await db.execute(sql`
    UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = now(), status = ${outcome},
      last_error = coalesce(${error}, last_error),
      delivered_at = ${outcome === "delivered" ? sql`now()` : sql`delivered_at`}
    WHERE id = ${deliveryId} AND status = 'pending'`);
}

/** Pending deliveries never attempted two minutes after they were made: their message was never sent. */
export async function strandedDeliveries(db: Executor): Promise<string[]> {
  const { rows } = await db.execute<{ id: string }>(sql`
    SELECT id FROM webhook_deliveries
    WHERE status = 'pending' AND attempts = 0 AND created_at < now() - interval '2 minutes'
    ORDER BY created_at LIMIT 100`);
  return rows.map((r) => r.id);
}

function newWebhookSecret() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

/** The workspace's signing secret, made on first use; null when the workspace does not exist. */
export async function workspaceWebhookSecret(db: Executor, workspaceId: string): Promise<string | null> {
  const made = await db.execute<{ secret: string }>(sql`
    UPDATE workspaces SET webhook_secret = ${newWebhookSecret()}
    WHERE id = ${workspaceId} AND webhook_secret IS NULL RETURNING webhook_secret AS secret`);
  if (made.rows[0]) return made.rows[0].secret;
  // Already had one (or a concurrent caller just made it: the UPDATE waited for it and matched nothing).
  const existing = await db.execute<{ secret: string | null }>(
    sql`SELECT webhook_secret AS secret FROM workspaces WHERE id = ${workspaceId}`,
  );
  return existing.rows[0]?.secret ?? null;
}
