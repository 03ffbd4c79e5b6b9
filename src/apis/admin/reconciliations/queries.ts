// SQL of the reconciliations resource: the import's statements (create, staged batches, open, drop),
// the reads (list, one, items page, export chunk), and the effects of resolve and settle, which call
// the functions of drizzle/functions/50_reconciliation.sql; each action's audit row goes with its effect.
import type { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import type { Effect } from "../../../ledger/idempotency";
import type { Upstream } from "../../../ledger/posting";
import type { StagedLine } from "../../../reconciliation/formats";
import { auditInsert } from "../audit/queries";
import type { AuditMeta } from "../audit/record";
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

/**
 * The import's final round trip: buckets and opens it, or names the first import of the same file. One
 * batch of two statements: reconciliation_open, then the audit row read from the reconciliation it opened
 * (a statement cannot see what a function it calls wrote, so the bucket counts need the second one). A
 * replayed file drops the new row, so nothing is recorded for it.
 */
export async function openImport(
  db: Database,
  meta: AuditMeta,
  file: { reconciliationId: string; upstream: Upstream; currency: string; sha256: string },
): Promise<{ existing: boolean; reconciliation: ReconciliationRow }> {
  const { reconciliationId, sha256 } = file;
  const [opened, , read] = await db.batch([
    db.execute<{ result: { id: string; existing: boolean } | { failure: string } }>(
      sql`SELECT reconciliation_open(${reconciliationId}::uuid, ${sha256}) AS result`,
    ),
    db.execute(
      auditInsert(
        meta,
        {
          action: "reconciliation.import",
          targetType: "reconciliation",
          targetId: sql`r.id`,
          after: sql`jsonb_build_object('upstream', r.upstream, 'currency', r.currency,
            'from', to_char(r.period_from AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'to', to_char(r.period_to AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'line_count', r.line_count, 'summary', r.summary)`,
          currency: sql`r.currency`,
        },
        sql`FROM reconciliations r WHERE r.id = ${reconciliationId}::uuid AND r.status = 'open'`,
      ),
    ),
    // The answer: this import, or the earlier import of the same file (one per file, by a unique index).
    db.execute<{ r: ReconciliationRow }>(sql`
      SELECT ${reconciliationJson} AS r FROM reconciliations r
      WHERE r.upstream = ${file.upstream} AND r.currency = ${file.currency} AND r.file_sha256 = ${sha256}
        AND r.status <> 'importing'`),
  ]);
  const result = opened.rows[0]?.result;
  const reconciliation = read.rows[0]?.r;
  if (!result || "failure" in result || !reconciliation) throw new Error("the import vanished before it opened");
  return { existing: result.existing, reconciliation };
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

/**
 * Effect of a resolution (reconciliation_resolve): the item as it now is, or a refusal. The item is
 * locked first, so `was` is its resolution as the call found it (a concurrent winner's included): the
 * audit row is written only when this call resolved it, with the amount it moved (adjust: the customer
 * account's correction, report − ledger; write_off: ledger − report, to writeoff:<upstream>).
 */
export const resolveEffect = (
  meta: AuditMeta,
  r: { reconciliationId: string; itemId: string; action: string; note: string; actor: string },
): Effect => ({
  ctes: sql`
    recon_item AS MATERIALIZED (
      SELECT i.resolution FROM reconciliation_items i
      WHERE i.id = ${r.itemId}::bigint AND i.reconciliation_id = ${r.reconciliationId}::uuid FOR UPDATE
    ),
    resolved AS MATERIALIZED (
      SELECT ri.resolution AS was, CASE WHEN idempotency_open() THEN
          reconciliation_resolve(${r.reconciliationId}::uuid, ${r.itemId}::bigint, ${r.action}, ${r.note}, ${r.actor})
        END AS r
      FROM (SELECT 1) one LEFT JOIN recon_item ri ON true
    ),
    resolve_audit AS (${auditInsert(
      meta,
      {
        action: "reconciliation.resolve",
        targetType: "reconciliation_item",
        targetId: sql`x.r->>'id'`,
        accountId: sql`x.r->>'account_id'`,
        workspaceId: sql`(SELECT workspace_id FROM accounts WHERE id = (x.r->>'account_id')::uuid)`,
        before: sql`jsonb_build_object('resolution', NULL)`,
        after: sql`jsonb_build_object('reconciliation_id', ${r.reconciliationId}::text, 'bucket', x.r->>'bucket',
          'key', x.r->>'key', 'resolution', x.r->'resolution'->>'action', 'note', x.r->'resolution'->>'note',
          'transaction_id', x.r->'resolution'->'transaction_id')`,
        amount: sql`CASE x.r->'resolution'->>'action'
          WHEN 'adjust' THEN -(x.delta) WHEN 'write_off' THEN x.delta END`,
        currency: sql`x.r->>'currency'`,
      },
      sql`FROM (SELECT r, CASE WHEN r->>'bucket' = 'duplicate' THEN 0 ELSE coalesce((r->>'ledger_amount')::numeric, 0) END
            - coalesce((r->>'report_amount')::numeric, 0) AS delta FROM resolved) x
        WHERE (SELECT was FROM resolved) IS NULL AND x.r IS NOT NULL AND NOT x.r ? 'failure'
          AND x.r->'resolution' IS NOT NULL AND jsonb_typeof(x.r->'resolution') = 'object'`,
    )})`,
  result: sql`(SELECT r FROM resolved)`,
});

/**
 * Effect of a settle (reconciliation_settle): what it moved, or a refusal. The reconciliation is locked
 * first, so `was` is its status as the call found it. The audit row is written only when the call changed
 * something: it settled lines, or it closed an open reconciliation whose remaining items are all timing.
 */
export const settleEffect = (
  meta: AuditMeta,
  r: { reconciliationId: string; partial: boolean; actor: string },
): Effect => ({
  ctes: sql`
    recon AS MATERIALIZED (
      SELECT status FROM reconciliations WHERE id = ${r.reconciliationId}::uuid AND status <> 'importing' FOR UPDATE
    ),
    settled AS MATERIALIZED (
      SELECT rc.status AS was, CASE WHEN idempotency_open() THEN
          reconciliation_settle(${r.reconciliationId}::uuid, ${r.partial}, ${r.actor})
        END AS r
      FROM (SELECT 1) one LEFT JOIN recon rc ON true
    ),
    settle_audit AS (${auditInsert(
      meta,
      {
        action: "reconciliation.settle",
        targetType: "reconciliation",
        targetId: sql`${r.reconciliationId}::text`,
        before: sql`jsonb_build_object('status', x.was)`,
        after: sql`jsonb_build_object('gross', x.r->>'gross', 'net', x.r->>'net', 'fees', x.r->>'fees',
          'partial', ${r.partial}::boolean, 'settled_items', (x.r->>'settled_items')::int,
          'transaction_id', x.r->'transaction_id')`,
        amount: sql`x.r->>'gross'`,
        currency: sql`rec.currency`,
      },
      sql`FROM settled x JOIN reconciliations rec ON rec.id = ${r.reconciliationId}::uuid
        WHERE x.r IS NOT NULL AND NOT x.r ? 'failure'
          AND ((x.r->>'settled_items')::int > 0 OR (x.was = 'open' AND NOT EXISTS (
            SELECT 1 FROM reconciliation_items i WHERE i.reconciliation_id = rec.id AND i.settled_transaction_id IS NULL
              AND i.resolution IS DISTINCT FROM 'timing')))`,
    )})`,
  result: sql`(SELECT r FROM settled)`,
});
