// A ledger row as the admin API shows it (what a posting answers and what its entry lists show): the
// API layer owns its JSON, the ledger only posts and reads rows.
import type { PostedEntry } from "../../../ledger/posting";
import { toJsonNumber } from "../../../lib/money";

/** The fields shown, from a posted entry or from a row the admin lists read. */
type EntryFields = Omit<PostedEntry, "source" | "type"> & { source: string; type: string };

export const entryToJson = (accountId: string, e: EntryFields) => ({
  id: e.id,
  account_id: accountId,
  amount: toJsonNumber(e.amount),
  currency: e.currency,
  source: e.source,
  type: e.type,
  description: e.description,
  balance_after: toJsonNumber(e.balance_after),
  occurred_at: e.occurred_at,
  transaction_id: e.transaction_id,
  effective_at: e.occurred_at,
  posted_at: e.posted_at,
});
