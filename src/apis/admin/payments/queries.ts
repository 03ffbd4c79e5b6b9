// SQL of the payment lookup (issue 20): by exact reference, order id, transaction id, spec 003 payment id
// or event id, the payments of specs 001, 003 and 004 and the gateway events, each with its status
// history, received events, ledger transactions with their legs, and merchant webhook deliveries. One
// statement; every match is an index lookup.
import type { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { iso } from "../sql-helpers";
import type { PaymentResult } from "./schemas";

/** Results answered at most (a search is for one payment; a few kinds may share a key). */
export const MAX_RESULTS = 20;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The ledger transactions (with every leg) whose customer leg has one of these external refs. */
const ledgerOf = (refs: ReturnType<typeof sql>) => sql`coalesce((
  SELECT json_agg(json_build_object('transaction_id', t.transaction_id,
    'legs', (SELECT json_agg(l.j ORDER BY l.ord, l.id) FROM (
        SELECT 0 AS ord, e.id, json_build_object('account', e.account_id::text, 'amount', e.amount::text,
          'currency', e.currency, 'source', e.source, 'type', e.type, 'description', e.description,
          'posted_at', ${iso("e.created_at")}) AS j
        FROM ledger_entries e WHERE e.transaction_id = t.transaction_id
        UNION ALL
        SELECT 1, s.id, json_build_object('account', s.account_code, 'amount', s.amount::text,
          'currency', s.currency, 'source', NULL, 'type', NULL, 'description', NULL,
          'posted_at', ${iso("s.posted_at")})
        FROM system_legs s WHERE s.transaction_id = t.transaction_id) l)) ORDER BY t.transaction_id)
  FROM (SELECT DISTINCT transaction_id FROM ledger_entries WHERE external_ref IN (${refs})) t), '[]'::json)`;

const eventJson = sql`json_build_object('upstream', w.upstream, 'event_id', w.event_id, 'event_type', w.event_type,
  'payload', w.payload, 'received_at', ${iso("w.received_at")})`;

export async function searchPayments(db: Database, q: string): Promise<z.infer<typeof PaymentResult>[]> {
  const isUuid = UUID.test(q);
  const cryptoById = isUuid ? sql`p.id = ${q}::uuid OR` : sql``;
  const { rows } = await db.execute<{ results: z.infer<typeof PaymentResult>[] }>(sql`
    SELECT coalesce((SELECT json_agg(r.j) FROM (
      SELECT json_build_object('kind', 'mobile_money_payment', 'id', m.reference, 'status', m.status,
        'amount', m.amount::text, 'currency', a.currency, 'account_id', m.account_id, 'workspace_id', m.workspace_id,
        'created_at', ${iso("m.created_at")},
        'status_history', coalesce((SELECT json_agg(json_build_object('status', w.payload->'data'->>'status',
            'at', ${iso("w.received_at")}) ORDER BY w.received_at) FROM webhook_events w
          WHERE w.upstream = 'mobile_money' AND w.payload->'data'->>'reference' = m.reference), '[]'::json),
        'events', coalesce((SELECT json_agg(${eventJson} ORDER BY w.received_at) FROM webhook_events w
          WHERE w.upstream = 'mobile_money' AND w.payload->'data'->>'reference' = m.reference), '[]'::json),
        'ledger', ${ledgerOf(sql`m.reference`)},
        'deliveries', '[]'::json) AS j
      FROM mobile_money_payments m JOIN accounts a ON a.id = m.account_id WHERE m.reference = ${q}
      UNION ALL
      SELECT json_build_object('kind', 'crypto_payment', 'id', p.id::text, 'status', p.status,
        'amount', p.amount_usd::text, 'currency', 'USD', 'account_id', p.account_id, 'workspace_id', p.workspace_id,
        'created_at', ${iso("p.created_at")},
        'status_history', coalesce((SELECT json_agg(json_build_object('status', h.status, 'at', ${iso("h.at")})
          ORDER BY h.id) FROM crypto_payment_history h WHERE h.payment_id = p.id), '[]'::json),
        'events', coalesce((SELECT json_agg(${eventJson} ORDER BY w.received_at) FROM webhook_events w
          WHERE w.upstream = 'crypto' AND w.event_id IN (
            SELECT h.event_id FROM crypto_payment_history h WHERE h.payment_id = p.id)), '[]'::json),
        'ledger', ${ledgerOf(sql`p.id::text`)},
        'deliveries', coalesce((SELECT json_agg(json_build_object('id', d.id, 'url', d.url, 'event_type', d.event_type,
            'status', d.status, 'attempts', d.attempts, 'last_error', d.last_error,
            'created_at', ${iso("d.created_at")}) ORDER BY d.created_at, d.id)
          FROM webhook_deliveries d WHERE d.workspace_id = p.workspace_id
            AND d.payload->'data'->>'transaction_id' = p.id::text), '[]'::json)) AS j
      FROM crypto_payments p WHERE ${cryptoById} p.order_id = ${q}
      UNION ALL
      SELECT json_build_object('kind', 'sms_payment', 'id', s.id, 'status',
          CASE WHEN s.deleted_at IS NULL THEN 'recorded' ELSE 'deleted' END,
        'amount', s.amount::text, 'currency', a.currency, 'account_id', s.account_id, 'workspace_id', s.workspace_id,
        'created_at', ${iso("s.created_at")},
        'status_history', json_build_array(json_build_object('status', 'recorded', 'at', ${iso("s.created_at")}))::jsonb
          || CASE WHEN s.deleted_at IS NULL THEN '[]'::jsonb
             ELSE jsonb_build_array(jsonb_build_object('status', 'deleted', 'at', ${iso("s.deleted_at")})) END,
        'events', '[]'::json, 'ledger', ${ledgerOf(sql`s.id`)}, 'deliveries', '[]'::json) AS j
      FROM sms_payments s JOIN accounts a ON a.id = s.account_id WHERE s.id = ${q}
      UNION ALL
      SELECT json_build_object('kind', 'gateway_event', 'id', w.event_id, 'status', w.event_type,
        'amount', NULL, 'currency', NULL, 'account_id', NULL, 'workspace_id', NULL,
        'created_at', ${iso("w.received_at")}, 'status_history', '[]'::json,
        'events', json_build_array(${eventJson}),
        'ledger', ${ledgerOf(sql`'sms_gateway:' || w.event_id`)}, 'deliveries', '[]'::json) AS j
      FROM webhook_events w WHERE w.upstream IN ('sms_gateway', 'mobile_money', 'crypto') AND w.event_id = ${q}
      LIMIT ${MAX_RESULTS}) r), '[]'::json) AS results`);
  return rows[0]?.results ?? [];
}
