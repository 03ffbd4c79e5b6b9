import { sql } from "drizzle-orm";
import type { MOBILE_MONEY_STATUSES, MOBILE_MONEY_TYPES } from "../../db/schema";
import { isoUtc } from "../../db/sql-time";
import { toJsonNumber } from "../../lib/money";

export type PaymentRow = {
  id: string;
  reference: string;
  /** numeric as text: exact. */
  amount: string;
  description: string | null;
  status: (typeof MOBILE_MONEY_STATUSES)[number];
  transaction_type: (typeof MOBILE_MONEY_TYPES)[number];
  phone: string | null;
  service_mobile_code: string | null;
  extra_data: Record<string, unknown> | null;
  /** ISO 8601 UTC to the second, as the spec shows it. */
  created_at: string;
  updated_at: string;
  workspace_id: string;
  api_key_id: string;
};

const isoSeconds = (column: string) => isoUtc(sql.raw(column), "seconds");

/** SELECT list producing a PaymentRow from mobile_money_payments. */
export const paymentColumns = sql`id::text AS id, reference, amount::text AS amount, description, status,
  transaction_type, phone, service_mobile_code, extra_data, ${isoSeconds("created_at")} AS created_at,
  ${isoSeconds("updated_at")} AS updated_at, workspace_id::text AS workspace_id, api_key_id::text AS api_key_id`;

/** A payment in spec 001's exact fields and casing. */
export const toPayment = (r: PaymentRow) => ({
  id: `payment_${r.id}`,
  reference: r.reference,
  amount: toJsonNumber(r.amount),
  description: r.description,
  status: r.status,
  transaction_type: r.transaction_type,
  phone: r.phone,
  service_mobile_code: r.service_mobile_code,
  extra_data: r.extra_data,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  organization_id: r.workspace_id,
  api_key_id: r.api_key_id,
});
