// SQL of the payments every surface shares: the crypto payment (spec 004) as the spec shows it, list and
// detail fields built from the row, for the API's statements and the outbound webhooks' payloads alike.
import { type SQL, sql } from "drizzle-orm";
import { isoUtc } from "../db/sql-time";

/** ISO 8601 UTC without fractions, as the spec shows ("2026-01-15T10:00:00Z"). */
const iso = (column: SQL) => isoUtc(column, "seconds");

/** The list view (TransactionListSerializer) of the crypto_payments row aliased `p`: each field and its value, in order. */
const SUMMARY: [string, SQL][] = [
  ["transaction_id", sql`p.id`],
  ["blockchain", sql`p.blockchain`],
  ["currency", sql`p.currency`],
  ["status", sql`p.status`],
  ["amount_usd", sql`p.amount_usd::text`],
  ["amount_crypto", sql`p.amount_crypto::text`],
  ["address", sql`p.address`],
  ["token", sql`p.token`],
  ["order_id", sql`p.order_id`],
  ["created_at", iso(sql`p.created_at`)],
  ["updated_at", iso(sql`p.updated_at`)],
];

/** The list view as json_build_object's arguments. */
export const summaryFields = sql.join(
  SUMMARY.map(([name, value]) => sql`${sql.raw(`'${name}'`)}, ${value}`),
  sql`, `,
);

/** The list view as a SELECT list: row_to_json of it writes the fields compactly, in order. */
export const summaryColumns = sql.join(
  SUMMARY.map(([name, value]) => sql`${value} AS ${sql.identifier(name)}`),
  sql`, `,
);

const historyOf = sql`(SELECT coalesce(json_agg(json_build_object('status', h.status, 'at', ${iso(sql`h.at`)})
  ORDER BY h.id), '[]'::json) FROM crypto_payment_history h WHERE h.payment_id = p.id)`;

const detailJson = (history: SQL) => sql`json_build_object(${summaryFields},
  'transaction_hash', p.transaction_hash, 'callback_url', p.callback_url, 'confirmations', p.confirmations,
  'status_history', ${history})`;

/** The full payment (POST /payments/status/ and outbound webhook payloads) of the row aliased `p`. */
export const paymentDetailJson = detailJson(historyOf);

/** The same for a payment the statement itself inserts as `p`: its history is its first status. */
export const newPaymentDetailJson = detailJson(
  sql`json_build_array(json_build_object('status', p.status, 'at', ${iso(sql`p.created_at`)}))`,
);
