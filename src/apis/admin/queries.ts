// The admin API's statements, for every admin router (index, members, oauth-clients, browse): the reads
// the back office's pages render from (one SQL statement each, so there is one set of SQL for both), the
// delivery retry, and the writes.
import { and, eq, isNull, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { accounts, apiKeys, oauthClients, workspaceMembers, workspaces } from "../../db/schema";
import { isoUtc } from "../../db/sql-time";
import type { AccountRow } from "../../ledger/accounts";
import type { Effect } from "../../ledger/idempotency";
import { type PostingRequest, postingCall } from "../../ledger/posting";
import { type EntryFilter, type EntryRow, entryColumns, filterSql, newestFirst } from "../../ledger/queries";
import { FOREIGN_KEY_VIOLATION, pgErrorOf, UNIQUE_VIOLATION } from "../../lib/errors";
import type { ParsedAmount } from "../../lib/money";

const iso = (column: string) => isoUtc(sql.raw(column), "millis");
const micros = (column: string) => isoUtc(sql.raw(column), "micros");

/** LIKE pattern matching names that start with `text` (its own % and _ match literally). */
const prefixPattern = (text: string) => `${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

export type WorkspaceRow = { id: string; name: string; created_at: string; account_count: number; sort_key: string };

/**
 * Workspaces by name (case-insensitive prefix) or exact id, in name order, keyset-paged on
 * (lower(name), id): both the filter and the order come from workspaces_name_search_idx.
 */
export async function listWorkspaces(
  db: Database,
  opts: { q?: string; id?: string; after?: { sortKey: string; id: string }; limit: number },
) {
  const where: SQL[] = [];
  // An id names one workspace at most: no order, no page after it.
  if (opts.id) where.push(sql`w.id = ${opts.id}::uuid`);
  else if (opts.q) where.push(sql`lower(w.name) COLLATE "C" LIKE lower(${prefixPattern(opts.q)})`);
  if (opts.after && !opts.id) {
    where.push(sql`(lower(w.name) COLLATE "C", w.id) > (${opts.after.sortKey} COLLATE "C", ${opts.after.id}::uuid)`);
  }
  const { rows } = await db.execute<WorkspaceRow>(sql`
    SELECT w.id::text AS id, w.name, ${iso("w.created_at")} AS created_at, lower(w.name) AS sort_key,
      (SELECT count(*) FROM accounts a WHERE a.workspace_id = w.id)::int AS account_count
    FROM workspaces w
    ${where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``}
    ${opts.id ? sql`` : sql`ORDER BY lower(w.name) COLLATE "C", w.id`}
    LIMIT ${opts.limit}`);
  return rows;
}

export type WorkspaceDetailRow = {
  id: string;
  name: string;
  created_at: string;
  account_count: number;
  api_keys: {
    id: string;
    prefix: string;
    mode: string;
    permissions: string[];
    account_id: string | null;
    created_at: string;
    revoked_at: string | null;
  }[];
  members: { id: string; email: string; role: string; permissions: string[]; created_at: string }[];
  oauth_clients: { client_id: string; name: string; scopes: string[]; created_at: string; revoked_at: string | null }[];
};

/** Lists inside the workspace's own answer are capped at this many rows (newest first; members by email). */
export const WORKSPACE_LIST_CAP = 100;

/** One workspace with its API keys, members and OAuth clients (each capped), or undefined. */
export async function workspaceDetail(db: Database, workspaceId: string) {
  const { rows } = await db.execute<WorkspaceDetailRow>(sql`
    SELECT w.id::text AS id, w.name, ${iso("w.created_at")} AS created_at,
      (SELECT count(*) FROM accounts a WHERE a.workspace_id = w.id)::int AS account_count,
      coalesce((SELECT json_agg(k.j ORDER BY k.created_at DESC, k.id DESC) FROM (
        SELECT json_build_object('id', k.id, 'prefix', k.prefix, 'mode', k.mode, 'permissions', k.permissions,
          'account_id', k.account_id, 'created_at', ${iso("k.created_at")}, 'revoked_at', ${iso("k.revoked_at")}) AS j,
          k.created_at, k.id
        FROM api_keys k WHERE k.workspace_id = w.id
        ORDER BY k.created_at DESC NULLS LAST, k.id DESC NULLS LAST LIMIT ${WORKSPACE_LIST_CAP}) k), '[]'::json) AS api_keys,
      coalesce((SELECT json_agg(m.j ORDER BY m.email) FROM (
        SELECT json_build_object('id', m.id, 'email', m.email, 'role', m.role, 'permissions', m.permissions,
          'created_at', ${iso("m.created_at")}) AS j, m.email
        FROM workspace_members m WHERE m.workspace_id = w.id
        ORDER BY m.email LIMIT ${WORKSPACE_LIST_CAP}) m), '[]'::json) AS members,
      coalesce((SELECT json_agg(o.j ORDER BY o.created_at DESC, o.id DESC) FROM (
        SELECT json_build_object('client_id', o.client_id, 'name', o.name, 'scopes', o.scopes,
          'created_at', ${iso("o.created_at")}, 'revoked_at', ${iso("o.revoked_at")}) AS j, o.created_at, o.id
        FROM oauth_clients o WHERE o.workspace_id = w.id
        ORDER BY o.created_at DESC NULLS LAST, o.id DESC NULLS LAST LIMIT ${WORKSPACE_LIST_CAP}) o), '[]'::json)
        AS oauth_clients
    FROM workspaces w WHERE w.id = ${workspaceId}`);
  return rows[0];
}

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

/**
 * The account's closing balance on each UTC day from `from` to `to` (inclusive, YYYY-MM-DD), by the
 * entries' occurred_at: today's balance minus what moved after each day's end. Each day's sum is one
 * range of the account's time index; the running total runs over the (at most a few hundred) days.
 */
export async function balanceHistory(db: Database, accountId: string, from: string, to: string) {
  const { rows } = await db.execute<{ currency: string; points: { date: string; balance: string }[] | null }>(sql`
    WITH days AS (
      SELECT d::date AS day FROM generate_series(${from}::date, ${to}::date, interval '1 day') d
    ), moved AS (
      SELECT days.day, (SELECT coalesce(sum(e.amount), 0) FROM ledger_entries e
        WHERE e.account_id = ${accountId}
          AND e.occurred_at >= (days.day::timestamp AT TIME ZONE 'UTC')
          AND e.occurred_at < ((days.day + 1)::timestamp AT TIME ZONE 'UTC')) AS amount
      FROM days
    ), later AS (
      SELECT coalesce(sum(e.amount), 0) AS amount FROM ledger_entries e
      WHERE e.account_id = ${accountId} AND e.occurred_at >= ((${to}::date + 1)::timestamp AT TIME ZONE 'UTC')
    ), closing AS (
      SELECT day, sum(amount) OVER (ORDER BY day DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS after_day
      FROM moved
    )
    SELECT a.currency, (SELECT json_agg(json_build_object('date', to_char(c.day, 'YYYY-MM-DD'),
        'balance', (a.balance - later.amount - coalesce(c.after_day, 0))::text) ORDER BY c.day)
      FROM closing c, later) AS points
    FROM accounts a WHERE a.id = ${accountId}`);
  return rows[0];
}

export type FailingDeliveryRow = {
  id: string;
  workspace_id: string;
  workspace_name: string;
  url: string;
  event_type: string;
  status: "pending" | "failed";
  attempts: number;
  last_error: string;
  last_attempt_at: string | null;
};

/** How many failing deliveries the overview lists. */
export const FAILING_DELIVERIES_SHOWN = 20;

/** The overview's figures: counts, entries posted today (UTC) and the newest failing deliveries. */
export async function overview(db: Database) {
  const { rows } = await db.execute<{
    workspaces: number;
    accounts: number;
    entries_today: number;
    failing_deliveries: FailingDeliveryRow[];
  }>(sql`
    SELECT (SELECT count(*) FROM workspaces)::int AS workspaces, (SELECT count(*) FROM accounts)::int AS accounts,
      (SELECT count(*) FROM ledger_entries
        WHERE created_at >= (date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'))::int AS entries_today,
      coalesce((SELECT json_agg(x.j ORDER BY x.last_attempt_at DESC, x.id DESC) FROM (
        SELECT json_build_object('id', d.id, 'workspace_id', d.workspace_id, 'workspace_name', w.name, 'url', d.url,
          'event_type', d.event_type, 'status', d.status, 'attempts', d.attempts, 'last_error', d.last_error,
          'last_attempt_at', ${iso("d.last_attempt_at")}) AS j, d.last_attempt_at, d.id
        FROM webhook_deliveries d JOIN workspaces w ON w.id = d.workspace_id
        WHERE d.status <> 'delivered' AND d.last_error IS NOT NULL
        ORDER BY d.last_attempt_at DESC NULLS LAST, d.id DESC NULLS LAST LIMIT ${FAILING_DELIVERIES_SHOWN}) x),
        '[]'::json) AS failing_deliveries`);
  const [figures] = rows;
  // A SELECT without FROM always yields its one row.
  if (!figures) throw new Error("the overview statement returned no row");
  return figures;
}

/**
 * Puts a workspace's undelivered delivery back to pending (a failed one gets a new round of retries).
 * status: the delivery's status before, or null when the workspace has no such delivery.
 */
export async function reopenDelivery(db: Database, workspaceId: string, deliveryId: string) {
  const { rows } = await db.execute<{ status: string | null }>(sql`
    WITH d AS (SELECT id, status FROM webhook_deliveries WHERE id = ${deliveryId} AND workspace_id = ${workspaceId}),
    reopened AS (
      UPDATE webhook_deliveries SET status = 'pending'
      WHERE id IN (SELECT id FROM d WHERE status <> 'delivered') RETURNING id
    )
    SELECT (SELECT status FROM d) AS status, (SELECT count(*) FROM reopened)::int AS reopened`);
  return rows[0]?.status ?? null;
}

export type DeliveryRow = {
  id: string;
  url: string;
  event_type: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  last_error: string | null;
  last_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
};

/** A workspace's newest 100 outbound webhooks; found=false for no workspace. */
export async function listDeliveries(db: Database, workspaceId: string) {
  const { rows } = await db.execute<{ found: boolean; deliveries: DeliveryRow[] }>(sql`
    SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ${workspaceId}) AS found,
      coalesce((SELECT json_agg(x.j ORDER BY x.created_at DESC, x.id DESC) FROM (
        SELECT json_build_object('id', d.id, 'url', d.url, 'event_type', d.event_type, 'status', d.status,
          'attempts', d.attempts, 'last_error', d.last_error, 'last_attempt_at', ${iso("d.last_attempt_at")},
          'delivered_at', ${iso("d.delivered_at")}, 'created_at', ${iso("d.created_at")}) AS j, d.created_at, d.id
        FROM webhook_deliveries d WHERE d.workspace_id = ${workspaceId}
        ORDER BY d.created_at DESC NULLS LAST, d.id DESC NULLS LAST LIMIT 100) x), '[]'::json) AS deliveries`);
  return rows[0] ?? { found: false, deliveries: [] };
}

// ---------- writes ----------

/** The inserted row, or null when the workspace it belongs to does not exist (its foreign key). */
async function unlessNoWorkspace<T>(insert: Promise<T[]>): Promise<T | null> {
  const rows = await insert.catch((err) => {
    if (pgErrorOf(err)?.code === FOREIGN_KEY_VIOLATION) return null;
    throw err;
  });
  if (rows === null) return null;
  if (!rows[0]) throw new Error("insert returned no row");
  return rows[0];
}

export async function insertWorkspace(db: Database, name: string) {
  const [row] = await db.insert(workspaces).values({ name }).returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

export const insertAccount = (db: Database, account: typeof accounts.$inferInsert): Promise<AccountRow | null> =>
  unlessNoWorkspace(db.insert(accounts).values(account).returning());

export async function setAccountStatus(db: Database, accountId: string, status: AccountRow["status"]) {
  const [row] = await db
    .update(accounts)
    .set({ status, updatedAt: new Date() })
    .where(eq(accounts.id, accountId))
    .returning();
  return row;
}

export const insertApiKey = (db: Database, key: typeof apiKeys.$inferInsert) =>
  unlessNoWorkspace(db.insert(apiKeys).values(key).returning());

/**
 * Revokes the key (once: a revoked key keeps its first revocation time) and answers its secret's hash,
 * which keys its KV cache entry; undefined when there is no such key.
 */
export async function revokeApiKey(db: Database, keyId: string): Promise<string | undefined> {
  const [revoked] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
    .returning({ secretHash: apiKeys.secretHash });
  return (
    revoked?.secretHash ??
    (await db.select({ secretHash: apiKeys.secretHash }).from(apiKeys).where(eq(apiKeys.id, keyId)))[0]?.secretHash
  );
}

/** The new member, or why not: no such workspace, or the email is taken in it. */
export async function insertMember(db: Database, member: typeof workspaceMembers.$inferInsert) {
  const rows = await db
    .insert(workspaceMembers)
    .values(member)
    .returning()
    .catch((err) => {
      const code = pgErrorOf(err)?.code;
      if (code === FOREIGN_KEY_VIOLATION) return "no_workspace" as const;
      if (code === UNIQUE_VIOLATION) return "email_taken" as const;
      throw err;
    });
  if (typeof rows === "string") return rows;
  if (!rows[0]) throw new Error("insert returned no row");
  return rows[0];
}

export async function findMember(db: Database, memberId: string) {
  const [member] = await db.select().from(workspaceMembers).where(eq(workspaceMembers.id, memberId));
  return member;
}

/** Every token issued so far for the member stops matching: its new token version, or undefined. */
export async function bumpTokenVersion(db: Database, memberId: string): Promise<number | undefined> {
  const [row] = await db
    .update(workspaceMembers)
    .set({ tokenVersion: sql`${workspaceMembers.tokenVersion} + 1` })
    .where(eq(workspaceMembers.id, memberId))
    .returning({ tokenVersion: workspaceMembers.tokenVersion });
  return row?.tokenVersion;
}

/** False when the workspace does not exist. */
export function insertOAuthClient(db: Database, client: typeof oauthClients.$inferInsert): Promise<boolean> {
  return db
    .insert(oauthClients)
    .values(client)
    .then(
      () => true,
      (err) => {
        if (pgErrorOf(err)?.code === FOREIGN_KEY_VIOLATION) return false;
        throw err;
      },
    );
}

/** Revokes the workspace's client (once); false when the workspace has no such client. */
export async function revokeWorkspaceClient(db: Database, workspaceId: string, clientId: string): Promise<boolean> {
  const { rows } = await db.execute(sql`
    UPDATE oauth_clients SET revoked_at = coalesce(revoked_at, now())
    WHERE client_id = ${clientId} AND workspace_id = ${workspaceId} RETURNING id`);
  return rows.length > 0;
}

/** Effect of an admin posting (adjustment, imported gateway entry): no overdraft check, no tenant guard. */
export const adminPostingEffect = (
  accountId: string,
  amount: ParsedAmount,
  posting: Pick<PostingRequest, "source" | "type" | "description" | "occurredAt">,
): Effect => ({
  result: postingCall({ accountId, amount: amount.value, enforceOverdraft: false, precisionOf: amount, ...posting }),
});
