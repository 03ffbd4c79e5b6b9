// An account as the admin API shows it: the API layer owns its JSON, the ledger only reads and writes rows.
import type { accounts } from "../../../db/schema";
import { toJsonNumber } from "../../../lib/money";

/** The columns the admin API shows (statements that write an account return these, camel-cased). */
export type AccountShown = Pick<
  typeof accounts.$inferSelect,
  "id" | "workspaceId" | "currency" | "status" | "balance" | "overdraftLimit"
>;

export const accountToJson = (a: AccountShown) => ({
  id: a.id,
  workspace_id: a.workspaceId,
  currency: a.currency,
  status: a.status,
  balance: toJsonNumber(a.balance),
  overdraft_limit: toJsonNumber(a.overdraftLimit),
});
