// SQL of the ledger resource. Each read is one statement.
import { sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { iso } from "../sql-helpers";

export type TrialBalanceRow = {
  currency: string;
  customer_total: string;
  system_accounts: { code: string; balance: string }[];
  total: string;
};

/**
 * Per currency: the customer balances' sum, each system account's balance (its slot rows summed) and the
 * total. One snapshot, so concurrent postings (each balanced) never show as a difference.
 */
export async function trialBalance(db: Database): Promise<TrialBalanceRow[]> {
  const { rows } = await db.execute<TrialBalanceRow>(sql`
    WITH customers AS (SELECT currency, sum(balance) AS total FROM accounts GROUP BY currency),
    systems AS (SELECT currency, account_code AS code, sum(balance) AS balance FROM system_balances GROUP BY 1, 2),
    currencies AS (SELECT currency FROM customers UNION SELECT currency FROM systems)
    SELECT c.currency,
      currency_text(c.currency, coalesce(cu.total, 0)) AS customer_total,
      coalesce((SELECT json_agg(json_build_object('code', s.code, 'balance', currency_text(c.currency, s.balance)) ORDER BY s.code)
        FROM systems s WHERE s.currency = c.currency), '[]'::json) AS system_accounts,
      currency_text(c.currency, coalesce(cu.total, 0) + coalesce((SELECT sum(s.balance) FROM systems s WHERE s.currency = c.currency), 0)) AS total
    FROM currencies c LEFT JOIN customers cu ON cu.currency = c.currency
    ORDER BY c.currency`);
  return rows;
}

export type TransactionRow = {
  id: number;
  effective_at: string;
  posted_at: string;
  legs: { account: string; amount: string; currency: string }[];
};

/** One ledger transaction with its customer and system legs; undefined when there is none. */
export async function ledgerTransaction(db: Database, id: number): Promise<TransactionRow | undefined> {
  const { rows } = await db.execute<{ tx: TransactionRow }>(sql`
    WITH legs AS (
      SELECT 0 AS side, id, account_id::text AS account, amount, currency, occurred_at AS effective_at, created_at AS posted_at
      FROM ledger_entries WHERE transaction_id = ${id}
      UNION ALL
      SELECT 1, id, account_code, amount, currency, effective_at, posted_at FROM system_legs WHERE transaction_id = ${id}
    )
    SELECT json_build_object('id', ${id}::bigint, 'effective_at', ${iso("min(effective_at)")},
      'posted_at', ${iso("min(posted_at)")},
      'legs', json_agg(json_build_object('account', account, 'amount', currency_text(currency, amount), 'currency', currency)
        ORDER BY side, id)) AS tx
    FROM legs HAVING count(*) > 0`);
  return rows[0]?.tx;
}

export type SystemEntryRow = {
  id: number;
  transaction_id: number;
  amount: string;
  currency: string;
  effective_at: string;
  posted_at: string;
};

/** A system account's legs in one currency, newest first (posting order), keyset-paged on the leg id. */
export async function systemAccountEntries(
  db: Database,
  code: string,
  currency: string,
  opts: { beforeId?: number; limit: number },
): Promise<SystemEntryRow[]> {
  const before = opts.beforeId === undefined ? sql`` : sql`AND id < ${opts.beforeId}`;
  const { rows } = await db.execute<{ legs: SystemEntryRow[] }>(sql`
    SELECT coalesce(json_agg(json_build_object('id', id, 'transaction_id', transaction_id,
      'amount', currency_text(currency, amount), 'currency', currency, 'effective_at', ${iso("effective_at")},
      'posted_at', ${iso("posted_at")}) ORDER BY id DESC), '[]'::json) AS legs
    FROM (SELECT * FROM system_legs WHERE account_code = ${code} AND currency = ${currency} ${before}
          ORDER BY account_code, currency, id DESC LIMIT ${opts.limit}) l`);
  return rows[0]?.legs ?? [];
}
