// SQL of the overview: counts, today's entries and the newest failing deliveries, in one statement.
import { sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { iso } from "../sql-helpers";

export type FailingDeliveryRow = {
  id: string;
  workspace_id: string;
  workspace_name: string;
  url: string;
  event_type: string;
  status: "pending" | "failed";
  attempts: number;
  last_error: string;
  last_attempt_at: string | null;
};

/** How many failing deliveries the overview lists. */
export const FAILING_DELIVERIES_SHOWN = 20;

/** The overview's figures: counts, entries posted today (UTC) and the newest failing deliveries. */
export async function overview(db: Database) {
  const { rows } = await db.execute<{
    workspaces: number;
    accounts: number;
    entries_today: number;
    failing_deliveries: FailingDeliveryRow[];
  }>(sql`
    SELECT (SELECT count(*) FROM workspaces)::int AS workspaces, (SELECT count(*) FROM accounts)::int AS accounts,
      (SELECT count(*) FROM ledger_entries
        WHERE created_at >= (date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'))::int AS entries_today,
      coalesce((SELECT json_agg(x.j ORDER BY x.last_attempt_at DESC, x.id DESC) FROM (
        SELECT json_build_object('id', d.id, 'workspace_id', d.workspace_id, 'workspace_name', w.name, 'url', d.url,
          'event_type', d.event_type, 'status', d.status, 'attempts', d.attempts, 'last_error', d.last_error,
          'last_attempt_at', ${iso("d.last_attempt_at")}) AS j, d.last_attempt_at, d.id
        FROM webhook_deliveries d JOIN workspaces w ON w.id = d.workspace_id
        WHERE d.status <> 'delivered' AND d.last_error IS NOT NULL
        ORDER BY d.last_attempt_at DESC NULLS LAST, d.id DESC NULLS LAST LIMIT ${FAILING_DELIVERIES_SHOWN}) x),
        '[]'::json) AS failing_deliveries`);
  const [figures] = rows;
  // A SELECT without FROM always yields its one row.
  if (!figures) throw new Error("the overview statement returned no row");
  return figures;
}
