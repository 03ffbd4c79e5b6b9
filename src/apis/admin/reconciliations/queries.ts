// SQL of the reconciliations resource: the import's statements (create, staged batches, open, drop),
// the reads (list, one, items page, export chunk), and the effects of resolve and settle, which call
// the functions of drizzle/functions/50_reconciliation.sql.
import type { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import type { Effect } from "../../../ledger/idempotency";
import type { Upstream } from "../../../ledger/posting";
import type { StagedLine } from "../../../reconciliation/formats";
import type { Item, Reconciliation } from "./schemas";

export type ReconciliationRow = z.infer<typeof Reconciliation>;

const reconciliationJson = sql.raw(`json_build_object('id', r.id, 'upstream', r.upstream, 'currency', r.currency,
  'from', to_char(r.period_from AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'to', to_char(r.period_to AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'status', r.status, 'line_count', r.line_count, 'summary', r.summary, 'actor', r.actor,
  'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'settled_at', to_char(r.settled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`);

/** Starts an import: an invisible `importing` row; null when the currency is unknown. */
export async function startImport(
  db: Database,
  r: { upstream: Upstream; currency: string; from: string; to: string; actor: string },
): Promise<string | null> {
  const { rows } = await db.execute<{ id: string }>(sql`
    INSERT INTO reconciliations (upstream, currency, period_from, period_to, actor)
    SELECT ${r.upstream}, code, ${r.from}::timestamptz, ${r.to}::timestamptz, ${r.actor}
    FROM currencies WHERE code = ${r.currency}
    RETURNING id`);
  return rows[0]?.id ?? null;
}

/** One bounded batch of checked lines into the staging table. */
export async function stageLines(db: Database, reconciliationId: string, lines: StagedLine[]) {
  await db.execute(sql`
    INSERT INTO reconciliation_lines (reconciliation_id, line_no, key_field, keys, amount, fee, settled_at)
    SELECT ${reconciliationId}::uuid, l.line_no, l.key_field, l.keys, l.amount, l.fee, l.settled_at
    FROM jsonb_to_recordset(${JSON.stringify(lines)}::jsonb)
      AS l(line_no int, key_field text, keys text[], amount numeric, fee numeric, settled_at timestamptz)`);
}

/** The import's final statement: buckets and opens it, or names the first import of the same file. */
export async function openImport(db: Database, reconciliationId: string, sha256: string) {
  const { rows } = await db.execute<{ result: { id: string; existing: boolean } | { failure: string } }>(
    sql`SELECT reconciliation_open(${reconciliationId}::uuid, ${sha256}) AS result`,
  );
  const result = rows[0]?.result;
  if (!result || "failure" in result) throw new Error("the import vanished before it opened");
  return result;
}

/** Drops a refused or abandoned import (its staged lines go with it). */
export async function dropImport(db: Database, reconciliationId: string) {
  await db.execute(sql`DELETE FROM reconciliations WHERE id = ${reconciliationId} AND status = 'importing'`);
}

/** Imports left `importing` for longer than `olderThan` (the Worker died mid-stream), bounded per run. */
export async function purgeAbandonedImports(db: Database, olderThan = "1 hour", batch = 100): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    WITH gone AS (
      DELETE FROM reconciliations WHERE id IN (
        SELECT id FROM reconciliations WHERE status = 'importing' AND created_at < now() - ${olderThan}::interval
        ORDER BY created_at LIMIT ${batch})
      RETURNING 1)
    SELECT count(*)::int AS n FROM gone`);
  return rows[0]?.n ?? 0;
}

export async function getReconciliation(db: Database, id: string): Promise<ReconciliationRow | null> {
  const { rows } = await db.execute<{ r: ReconciliationRow }>(sql`
    SELECT ${reconciliationJson} AS r FROM reconciliations r WHERE r.id = ${id} AND r.status <> 'importing'`);
  return rows[0]?.r ?? null;
}

/** Reconciliations newest first, keyset-paged on (created_at, id). */
export async function listReconciliations(
  db: Database,
  q: { upstream?: Upstream; after?: [string, string]; limit: number },
): Promise<(ReconciliationRow & { cursor_at: string })[]> {
  const upstream = q.upstream ? sql`AND r.upstream = ${q.upstream}` : sql``;
  const after = q.after ? sql`AND (r.created_at, r.id) < (${q.after[0]}::timestamptz, ${q.after[1]}::uuid)` : sql``;
  const { rows } = await db.execute<{ r: ReconciliationRow; cursor_at: string }>(sql`
    SELECT ${reconciliationJson} AS r,
      to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
    FROM reconciliations r WHERE r.status <> 'importing' ${upstream} ${after}
    ORDER BY r.created_at DESC, r.id DESC LIMIT ${q.limit}`);
  return rows.map((row) => ({ ...row.r, cursor_at: row.cursor_at }));
}

export type ItemRow = z.infer<typeof Item>;

/** A page of items (by id), of one bucket or all; found=false when there is no such reconciliation. */
export async function listItems(
  db: Database,
  q: { reconciliationId: string; bucket?: string; afterId?: string; limit: number },
) {
  const bucket = q.bucket ? sql`AND i.bucket = ${q.bucket}` : sql``;
  const after = q.afterId ? sql`AND i.id > ${q.afterId}::bigint` : sql``;
  const { rows } = await db.execute<{ found: boolean; items: ItemRow[] }>(sql`
    SELECT EXISTS (SELECT 1 FROM reconciliations WHERE id = ${q.reconciliationId} AND status <> 'importing') AS found,
      coalesce((SELECT json_agg(x.j ORDER BY x.id) FROM (
        SELECT reconciliation_item_json(i, r.currency) AS j, i.id FROM reconciliation_items i
        JOIN reconciliations r ON r.id = i.reconciliation_id
        WHERE i.reconciliation_id = ${q.reconciliationId} ${bucket} ${after}
        ORDER BY i.id LIMIT ${q.limit}) x), '[]'::json) AS items`);
  return rows[0] ?? { found: false, items: [] };
}

/** Effect of a resolution (reconciliation_resolve): the item as it now is, or a refusal. */
export const resolveEffect = (r: {
  reconciliationId: string;
  itemId: string;
  action: string;
  note: string;
  actor: string;
}): Effect => ({
  result: sql`reconciliation_resolve(${r.reconciliationId}::uuid, ${r.itemId}::bigint, ${r.action}, ${r.note}, ${r.actor})`,
});

/** Effect of a settle (reconciliation_settle): what it moved, or a refusal. */
export const settleEffect = (r: { reconciliationId: string; partial: boolean; actor: string }): Effect => ({
  result: sql`reconciliation_settle(${r.reconciliationId}::uuid, ${r.partial}, ${r.actor})`,
});
