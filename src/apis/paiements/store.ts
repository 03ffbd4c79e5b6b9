// SQL of the mobile-money payments surface. Every statement re-checks the API key's revocation in the
// database itself, so a key revoked a moment ago reads and writes nothing even while KV still caches it.
import { type SQL, sql } from "drizzle-orm";
import { apiKeyActive } from "../../auth/api-keys";
import type { Database } from "../../db/client";
import type { MOBILE_MONEY_STATUSES, MOBILE_MONEY_TYPES } from "../../db/schema";
import type { Effect } from "../../ledger/idempotency";
import { randomToken } from "../../lib/crypto";
import { type PaymentRow, paymentColumns } from "./serializers";

export type PaymentFilter = {
  apiKeyId: string;
  workspaceId: string;
  transactionType?: (typeof MOBILE_MONEY_TYPES)[number];
  status?: (typeof MOBILE_MONEY_STATUSES)[number];
  /** Unix seconds, inclusive. */
  dateFrom?: number;
  /** Unix seconds, inclusive of the whole second. */
  dateTo?: number;
};

function filterSql(f: PaymentFilter): SQL {
  const parts: SQL[] = [sql`api_key_id = ${f.apiKeyId}`, sql`workspace_id = ${f.workspaceId}`];
  if (f.transactionType) parts.push(sql`transaction_type = ${f.transactionType}`);
  if (f.status) parts.push(sql`status = ${f.status}`);
  if (f.dateFrom !== undefined) parts.push(sql`created_at >= to_timestamp(${f.dateFrom}::bigint)`);
  if (f.dateTo !== undefined) parts.push(sql`created_at < to_timestamp(${f.dateTo}::bigint + 1)`);
  return sql.join(parts, sql` AND `);
}

/** One statement: the key's revocation, the filtered total and the newest-first page, from one snapshot. */
export async function listPayments(db: Database, filter: PaymentFilter, offset: number, limit: number) {
  const where = filterSql(filter);
  const { rows } = await db.execute<{ key_ok: boolean; total: string; rows: PaymentRow[] }>(sql`
    SELECT ${apiKeyActive(filter.apiKeyId)} AS key_ok,
      (SELECT count(*) FROM mobile_money_payments WHERE ${where})::text AS total,
      coalesce((SELECT json_agg(p) FROM (
        SELECT ${paymentColumns} FROM mobile_money_payments WHERE ${where}
        ORDER BY mobile_money_payments.created_at DESC NULLS LAST, mobile_money_payments.id DESC NULLS LAST LIMIT ${limit} OFFSET ${offset}
      ) p), '[]'::json) AS rows`);
  const row = rows[0];
  if (!row?.key_ok) return null;
  return { total: Number(row.total), rows: row.rows };
}

export type NewPayment = {
  apiKeyId: string;
  accountId: string;
  transactionType: (typeof MOBILE_MONEY_TYPES)[number];
  amount: string;
  description: string | null;
  phone: string | null;
  serviceMobileCode: string | null;
  extraData: Record<string, unknown> | null;
};

const REFERENCE_PREFIX: Record<NewPayment["transactionType"], string> = {
  PAYMENT: "API_PAY_REF_",
  DIRECT_PAYMENT: "API_DIRECT_REF_",
  TRANSFERT: "API_TRANSFER_REF_",
  RECHARGE: "API_RECHARGE_REF_",
};

export const newReference = (type: NewPayment["transactionType"]) =>
  `${REFERENCE_PREFIX[type]}${randomToken(18, "0123456789")}`;

/**
 * Effect inserting a payment in status INIT under `reference`. Workspace and account come from the key's
 * own database row, which must still be unrevoked and bound to `accountId` (refusal "key_revoked"). A
 * reference that is already taken (18 random digits: practically never) refuses as "reference_taken".
 */
export function insertPaymentEffect(p: NewPayment, reference: string): Effect {
  return {
    ctes: sql`ins AS (
      INSERT INTO mobile_money_payments
        (workspace_id, account_id, api_key_id, reference, amount, description, status, transaction_type,
         phone, service_mobile_code, extra_data)
      SELECT k.workspace_id, k.account_id, k.id, ${reference}, ${p.amount}::numeric, ${p.description}, 'INIT',
             ${p.transactionType}, ${p.phone}, ${p.serviceMobileCode},
             ${p.extraData === null ? null : JSON.stringify(p.extraData)}::jsonb
      FROM api_keys k
      WHERE k.id = ${p.apiKeyId} AND k.revoked_at IS NULL AND k.account_id = ${p.accountId} AND idempotency_open()
      ON CONFLICT (reference) DO NOTHING
      RETURNING ${paymentColumns})`,
    result: sql`coalesce((SELECT to_jsonb(ins) FROM ins),
      CASE WHEN ${apiKeyActive(p.apiKeyId)} THEN '{"failure":"reference_taken"}' ELSE '{"failure":"key_revoked"}' END::jsonb)`,
  };
}
