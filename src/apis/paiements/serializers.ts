// Spec 001's payment, field by field and cased as the spec shows it, from a row its queries read.
import { toJsonNumber } from "../../lib/money";
import type { PaymentRow } from "./queries";

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
