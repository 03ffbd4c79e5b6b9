// SQL of the entries resource: an account's entries page (the list and the CSV export), and the effect
// of an admin posting (adjustments, imported gateway entries).
import { sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { isoUtc } from "../../../db/sql-time";
import type { Effect } from "../../../ledger/idempotency";
import { type PostingRequest, postingCall, type SystemAccount } from "../../../ledger/posting";
import { type EntryFilter, type EntryRow, entryColumns, filterSql } from "../../../ledger/queries";
import type { ParsedAmount } from "../../../lib/money";

export type AdminEntryRow = EntryRow & {
  balance_after: string;
  transaction_id: number;
  seq: number;
  posted_at: string;
};

/**
 * One account's entries in posting order, newest first, keyset-paged on the gapless `seq` (so each row's
 * balance_after minus its amount is the next row's balance_after); the filters' days are on the effective
 * date. found=false for no account.
 */
export async function listEntries(db: Database, filter: EntryFilter & { beforeSeq?: number }, limit: number) {
  const before = filter.beforeSeq === undefined ? sql`` : sql`AND seq < ${filter.beforeSeq}`;
  const { rows } = await db.execute<{ found: boolean; rows: AdminEntryRow[] }>(sql`
    SELECT EXISTS (SELECT 1 FROM accounts WHERE id = ${filter.accountId}) AS found,
      coalesce((SELECT json_agg(p ORDER BY p.seq DESC) FROM (
        SELECT ${entryColumns}, balance_after::text AS balance_after, transaction_id, seq,
          ${isoUtc(sql`created_at`, "millis")} AS posted_at
        FROM ledger_entries WHERE ${filterSql(filter)} ${before}
        ORDER BY account_id, seq DESC LIMIT ${limit}
      ) p), '[]'::json) AS rows`);
  return rows[0] ?? { found: false, rows: [] };
}

/** An adjustment's counter-leg is the back office's own account; an imported gateway entry is the gateway's. */
const adminCounter = (p: Pick<PostingRequest, "source" | "type">): SystemAccount =>
  p.source === "portal" ? "adjustments:portal" : p.type === "usage" ? "revenue:usage" : "clearing:sms_gateway";

/** Effect of an admin posting (adjustment, imported gateway entry): no overdraft check, no tenant guard. */
export const adminPostingEffect = (
  accountId: string,
  amount: ParsedAmount,
  posting: Pick<PostingRequest, "source" | "type" | "description" | "occurredAt">,
): Effect => ({
  result: postingCall({
    accountId,
    amount: amount.value,
    counter: adminCounter(posting),
    enforceOverdraft: false,
    ...posting,
  }),
});
