// SQL of the entries resource: an account's entries page (the list and the CSV export), and the effect
// of an admin posting (adjustments, imported gateway entries).
import { sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import type { Effect } from "../../../ledger/idempotency";
import { type PostingRequest, postingCall } from "../../../ledger/posting";
import { type EntryFilter, type EntryRow, entryColumns, filterSql, newestFirst } from "../../../ledger/queries";
import type { ParsedAmount } from "../../../lib/money";

export type AdminEntryRow = EntryRow & { balance_after: string };

/** Newest-first keyset page of one account's entries with filters; found=false for no account. */
export async function listEntries(db: Database, filter: EntryFilter, limit: number) {
  const { rows } = await db.execute<{ found: boolean; rows: AdminEntryRow[] }>(sql`
    SELECT EXISTS (SELECT 1 FROM accounts WHERE id = ${filter.accountId}) AS found,
      coalesce((SELECT json_agg(p ORDER BY p.position DESC, p.id DESC) FROM (
        SELECT ${entryColumns}, balance_after::text AS balance_after FROM ledger_entries WHERE ${filterSql(filter)}
        ORDER BY ${newestFirst} LIMIT ${limit}
      ) p), '[]'::json) AS rows`);
  return rows[0] ?? { found: false, rows: [] };
}

/** Effect of an admin posting (adjustment, imported gateway entry): no overdraft check, no tenant guard. */
export const adminPostingEffect = (
  accountId: string,
  amount: ParsedAmount,
  posting: Pick<PostingRequest, "source" | "type" | "description" | "occurredAt">,
): Effect => ({
  result: postingCall({ accountId, amount: amount.value, enforceOverdraft: false, precisionOf: amount, ...posting }),
});
