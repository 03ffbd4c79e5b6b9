// An approvals row (as the statements build it) in the admin API's shape.
import { toJsonNumber } from "../../../lib/money";
import type { ApprovalRow } from "../entries/queries";

export const approvalToJson = (a: ApprovalRow) => ({
  id: a.id,
  account_id: a.account_id,
  workspace_id: a.workspace_id,
  amount: toJsonNumber(a.amount),
  currency: a.currency,
  description: a.description,
  status: a.status,
  requested_by: { id: a.requested_by, email: a.requested_by_email },
  decided_by: a.decided_by && a.decided_by_email ? { id: a.decided_by, email: a.decided_by_email } : null,
  decided_at: a.decided_at,
  note: a.note,
  entry_id: a.entry_id,
  created_at: a.created_at,
  expires_at: a.expires_at,
});
