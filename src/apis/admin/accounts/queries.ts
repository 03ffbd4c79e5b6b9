// SQL of the accounts resource: a workspace's accounts, one account with its reconciliation, its daily
// balance, create and status.
import { sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import type { AccountStatus } from "../../../db/schema";
import { auditInsert } from "../audit/queries";
import type { AuditMeta } from "../audit/record";
import { iso, micros, unlessNoWorkspace } from "../sql-helpers";
import type { AccountShown } from "./render";

export type AccountListRow = {
  id: string;
  workspace_id: string;
  currency: string;
  status: "setup" | "active" | "suspended";
  balance: string;
  overdraft_limit: string;
  entry_count: number;
  created_at: string;
  position: string;
};

const accountColumns = sql`a.id::text AS id, a.workspace_id::text AS workspace_id, a.currency, a.status,
  a.balance::text AS balance, a.overdraft_limit::text AS overdraft_limit, a.entry_count::int AS entry_count,
  ${iso("a.created_at")} AS created_at`;

/** A workspace's accounts, oldest first, keyset-paged on (created_at, id); found=false for no workspace. */
export async function listAccounts(
  db: Database,
  workspaceId: string,
  opts: { after?: { position: string; id: string }; limit: number },
) {
  const after = opts.after
    ? sql`AND (a.created_at, a.id) > (${opts.after.position}::timestamptz, ${opts.after.id}::uuid)`
    : sql``;
  const { rows } = await db.execute<{ found: boolean; accounts: AccountListRow[] }>(sql`
    SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ${workspaceId}) AS found,
      coalesce((SELECT json_agg(p ORDER BY p.position, p.id) FROM (
        SELECT ${accountColumns}, ${micros("a.created_at")} AS position FROM accounts a
        WHERE a.workspace_id = ${workspaceId} ${after}
        ORDER BY a.created_at, a.id LIMIT ${opts.limit}) p), '[]'::json) AS accounts`);
  return rows[0] ?? { found: false, accounts: [] };
}

export type AccountDetailRow = AccountListRow & {
  workspace_name: string;
  updated_at: string;
  overdrawn_at: string | null;
  entries_sum: string;
  entries_counted: number;
  difference: string;
  balanced: boolean;
};

/**
 * One account with its workspace's name and the reconciliation figures: the sum and number of its
 * ledger rows, read from the account's index range (a full pass over that account's history).
 */
export async function accountDetail(db: Database, accountId: string) {
  const { rows } = await db.execute<AccountDetailRow>(sql`
    SELECT ${accountColumns}, ${iso("a.updated_at")} AS updated_at, ${iso("a.overdrawn_at")} AS overdrawn_at,
      w.name AS workspace_name, s.total::text AS entries_sum, s.counted AS entries_counted,
      (a.balance - s.total)::text AS difference, (s.total = a.balance) AS balanced
    FROM accounts a JOIN workspaces w ON w.id = a.workspace_id,
      LATERAL (SELECT coalesce(sum(e.amount), 0) AS total, count(*)::int AS counted
               FROM ledger_entries e WHERE e.account_id = a.id) s
    WHERE a.id = ${accountId}`);
  return rows[0];
}

/**
 * The account's closing balance on each UTC day from `from` to `to` (inclusive, YYYY-MM-DD) as it really
 * was, by posting time: the balance_after of the last posting before the day's end, 0 before the first
 * (ledger_balance_at: a binary search over the posting sequence, ~log2(entries) index probes per day).
 */
export async function balanceHistory(db: Database, accountId: string, from: string, to: string) {
  const { rows } = await db.execute<{ currency: string; points: { date: string; balance: string }[] | null }>(sql`
    SELECT a.currency, (SELECT json_agg(json_build_object('date', to_char(d.day, 'YYYY-MM-DD'),
        'balance', ledger_balance_at(a.id, (d.day + 1)::timestamp AT TIME ZONE 'UTC', a.entry_count)::text)
        ORDER BY d.day)
      FROM (SELECT g::date AS day FROM generate_series(${from}::date, ${to}::date, interval '1 day') g) d) AS points
    FROM accounts a WHERE a.id = ${accountId}`);
  return rows[0];
}

/** An account's columns as the admin API shows them (AccountShown), for statements that write one. */
const shownColumns = (alias: string) =>
  sql.raw(`${alias}.id::text AS "id", ${alias}.workspace_id::text AS "workspaceId", ${alias}.currency AS "currency",
    ${alias}.status AS "status", ${alias}.balance::text AS "balance", ${alias}.overdraft_limit::text AS "overdraftLimit"`);

/** Creates the account and its audit row in one statement; null when the workspace does not exist. */
export async function insertAccount(
  db: Database,
  meta: AuditMeta,
  account: { workspaceId: string; currency: string; status: AccountStatus; overdraftLimit: string },
): Promise<AccountShown | null> {
  const statement = db.execute<AccountShown>(sql`
    WITH a AS (
      INSERT INTO accounts (workspace_id, currency, status, overdraft_limit)
      VALUES (${account.workspaceId}, ${account.currency}, ${account.status}, ${account.overdraftLimit}::numeric)
      RETURNING *
    ),
    audit AS (${auditInsert(
      meta,
      {
        action: "account.create",
        targetType: "account",
        targetId: sql`a.id`,
        workspaceId: sql`a.workspace_id`,
        accountId: sql`a.id`,
        after: sql`jsonb_build_object('currency', a.currency, 'status', a.status, 'overdraft_limit', a.overdraft_limit::text)`,
      },
      sql`FROM a`,
    )})
    SELECT ${shownColumns("a")} FROM a`);
  return unlessNoWorkspace(statement.then((r) => r.rows));
}

/** Sets the status (the row is locked first, so before/after are exact) with its audit row; undefined for no account. */
export async function setAccountStatus(db: Database, meta: AuditMeta, accountId: string, status: AccountStatus) {
  const { rows } = await db.execute<AccountShown>(sql`
    WITH old AS (SELECT id, status FROM accounts WHERE id = ${accountId} FOR UPDATE),
    a AS (
      UPDATE accounts SET status = ${status}, updated_at = now() WHERE id IN (SELECT id FROM old) RETURNING *
    ),
    audit AS (${auditInsert(
      meta,
      {
        action: "account.status",
        targetType: "account",
        targetId: sql`a.id`,
        workspaceId: sql`a.workspace_id`,
        accountId: sql`a.id`,
        before: sql`jsonb_build_object('status', old.status)`,
        after: sql`jsonb_build_object('status', a.status)`,
      },
      sql`FROM a JOIN old ON old.id = a.id`,
    )})
    SELECT ${shownColumns("a")} FROM a`);
  return rows[0];
}
