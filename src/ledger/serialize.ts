import { toJsonNumber } from "../lib/money";
import type { PostedEntry } from "./posting";

/** A posted ledger row as the portal admin API shows it. */
export const entryToJson = (accountId: string, e: PostedEntry) => ({
  id: e.id,
  account_id: accountId,
  amount: toJsonNumber(e.amount),
  currency: e.currency,
  source: e.source,
  type: e.type,
  description: e.description,
  balance_after: toJsonNumber(e.balance_after),
  occurred_at: e.occurred_at,
});
