// The exactly-once claim every webhook receiver starts its single statement with: the event's
// webhook_events row. A concurrent delivery of the same webhook-id waits on the unique index for the
// first one's transaction, then finds the row taken, so the `claim` CTE is empty for a duplicate.
import { type SQL, sql } from "drizzle-orm";

export type EventClaim = { upstream: string; eventId: string; eventType: string; payload: string };

/** CTE `claim`: one row when this delivery is the first of its webhook-id, none for a duplicate. */
export const claimWebhookEvent = (e: EventClaim): SQL => sql`claim AS (
  INSERT INTO webhook_events (upstream, event_id, event_type, payload)
  VALUES (${e.upstream}, ${e.eventId}, ${e.eventType}, ${e.payload}::jsonb)
  ON CONFLICT (upstream, event_id) DO NOTHING RETURNING event_id)`;

/** The effect's result for a duplicate delivery. */
export const DUPLICATE = sql`'{"duplicate":true}'::jsonb`;
export type Duplicate = { duplicate: true };
export const isDuplicate = (r: object): r is Duplicate => "duplicate" in r;
