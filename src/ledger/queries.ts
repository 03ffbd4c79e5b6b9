// SQL of the ledger: the reads several surfaces share, the posting's `ledger_post` call and the statements
// of runWrite (idempotency.ts). Each read re-checks the API key's revocation (`key_ok`) in the statement
// that reads the data, so a key revoked a moment ago reads nothing even if the edge cache still knows it.
// The one exception, findAccount, reads only an account's edge state (status, currency, workspace) on a
// KV miss.
import { eq, type Placeholder, SQL, sql } from "drizzle-orm";
import { apiKeyActive } from "../auth/queries";
import type { Database } from "../db/client";
import { executeBound, preparedByShape } from "../db/prepared";
import { jsonArrayText, readWireJson, wireJson } from "../db/rendered-json";
import { accounts } from "../db/schema";
import { isoUtc } from "../db/sql-time";
import type { Effect } from "./idempotency";
import { PostingError, type PostingRequest, REPLAYED_FAILURES } from "./posting";

export type EntryRow = {
  id: number;
  amount: string;
  currency: string;
  source: string;
  type: string;
  description: string | null;
  /** ISO 8601 UTC, milliseconds. */
  occurred_at: string;
  /** ISO 8601 UTC, microseconds: exact keyset position. */
  position: string;
};

export const entryColumns = sql`id::int AS id, amount::text AS amount, currency, source, type, description,
  ${isoUtc(sql`occurred_at`, "millis")} AS occurred_at, ${isoUtc(sql`occurred_at`, "micros")} AS position`;

// The table's columns, not the text output aliases of the same names, in the exact order of
// ledger_account_time_idx (DESC NULLS LAST): any other spelling makes PostgreSQL sort the whole history.
// (Spec 000's keyset history, with its own vocabulary, is in src/apis/user-payments/queries.ts.)
export const newestFirst = sql`ledger_entries.occurred_at DESC NULLS LAST, ledger_entries.id DESC NULLS LAST`;

export type EntryFilter = {
  accountId: string;
  sources?: readonly string[];
  types?: readonly string[];
  from?: Date;
  to?: Date;
  /** Keyset: entries strictly older than this (position, id). */
  before?: { position: string; id: number };
};

export function filterSql(f: EntryFilter): SQL {
  const parts: SQL[] = [sql`account_id = ${f.accountId}`];
  if (f.sources)
    parts.push(
      sql`source IN (${sql.join(
        f.sources.map((s) => sql`${s}`),
        sql`, `,
      )})`,
    );
  if (f.types)
    parts.push(
      sql`type IN (${sql.join(
        f.types.map((t) => sql`${t}`),
        sql`, `,
      )})`,
    );
  if (f.from) parts.push(sql`occurred_at >= ${f.from.toISOString()}::timestamptz`);
  if (f.to) parts.push(sql`occurred_at < ${f.to.toISOString()}::timestamptz`);
  if (f.before) parts.push(sql`(occurred_at, id) < (${f.before.position}::timestamptz, ${f.before.id}::bigint)`);
  return sql.join(parts, sql` AND `);
}

/** From this offset on, a page starts from its day (ledger_day_counts) instead of skipping every newer row. */
export const DEEP_OFFSET = 1_000;

/**
 * Newest-first offset page with the total, in ONE statement. The account's entry counter is the total:
 * O(1) at any size. A deep page finds the UTC day its first row lies in from the account's entries per
 * day (ledger_page_start over ledger_day_counts, walked from the nearer end), then skips only within that
 * day on the account's time index: every page costs about what page 1 costs, whatever the history's length.
 * `transactions` is the page as spec 002's `Transaction[]` JSON text, rendered here in its exact shape and
 * key order (`trim_scale`: numeric 500.0000 renders as the JSON number 500, as JavaScript's Number would).
 */
type EntriesSlot = "apiKeyId" | "workspaceId" | "accountId" | "offset" | "limit";

/** The page's statement, compiled once per isolate for each of its two shapes (a shallow or a deep page). */
const entriesStatement = preparedByShape<boolean, EntriesSlot>(
  (deep) => (deep ? "deep" : "shallow"),
  (deep, slot) => {
    const accountId = slot("accountId");
    // A deep page skips within its day on the time index alone (keys only: an index-only scan, no row
    // fetched for what it skips), then reads its rows by primary key.
    const columns = sql`id, type, amount, occurred_at`;
    const page = deep
      ? sql`SELECT ${columns} FROM ledger_entries WHERE id IN (
          SELECT id FROM ledger_entries
          WHERE account_id = ${accountId}
            AND occurred_at < (SELECT (day + 1)::timestamp AT TIME ZONE 'UTC' FROM start)
          ORDER BY ${newestFirst} LIMIT ${slot("limit")} OFFSET (SELECT skip FROM start))`
      : sql`SELECT ${columns} FROM ledger_entries WHERE account_id = ${accountId}
          ORDER BY ${newestFirst} LIMIT ${slot("limit")} OFFSET ${slot("offset")}`;
    const start = deep
      ? sql`, start AS MATERIALIZED (
          SELECT s.day, s.skip FROM head, ledger_page_start(${accountId}, ${slot("offset")}::bigint, head.total) s)`
      : sql``;
    return sql`
    WITH head AS MATERIALIZED (
      SELECT ${apiKeyActive(slot("apiKeyId"))} AS key_ok,
        (SELECT entry_count FROM accounts WHERE id = ${accountId} AND workspace_id = ${slot("workspaceId")}) AS total
    ) ${start}
    SELECT key_ok, total::text AS total, ${wireJson(sql`CASE
        WHEN NOT key_ok OR total IS NULL OR ${slot("offset")}::bigint >= total THEN '[]'
        ELSE (SELECT ${jsonArrayText(sql`p.occurred_at DESC, p.id DESC`)}
          FROM (${page}) p CROSS JOIN LATERAL (
            SELECT 'txn_' || p.id AS id, p.type, trim_scale(p.amount) AS amount,
              ${isoUtc(sql`p.occurred_at`, "millis")} AS timestamp
          ) j)
      END`)} AS transactions
    FROM head`;
  },
);

export async function entriesPage(
  db: Database,
  apiKeyId: string,
  workspaceId: string,
  accountId: string,
  offset: number,
  limit: number,
) {
  const statement = entriesStatement(offset >= DEEP_OFFSET, { apiKeyId, workspaceId, accountId, offset, limit });
  const { rows } = await executeBound<{ key_ok: boolean; total: string | null; transactions: string }>(db, statement);
  const row = rows[0];
  const head = { key_ok: !!row?.key_ok, account_ok: row?.total != null };
  if (!row || !head.key_ok || !head.account_ok) return { ...head, total: 0, transactions: "[]" };
  return { ...head, total: Number(row.total), transactions: readWireJson(row.transactions) };
}

/** The account's balance and the key's revocation in one statement; null balance = no such account. */
export async function balanceOf(db: Database, apiKeyId: string, accountId: string) {
  const { rows } = await db.execute<{ key_ok: boolean; balance: string | null }>(sql`
    SELECT ${apiKeyActive(apiKeyId)} AS key_ok,
      (SELECT balance::text FROM accounts WHERE id = ${accountId}) AS balance`);
  return rows[0] ?? { key_ok: false, balance: null };
}

/** One account's row, for its edge state on a KV miss (accounts.ts accountEdgeState). */
export async function findAccount(db: Database, id: string) {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, id)).limit(1);
  return row;
}

// ---- The posting ----

const valueOrSql = (v: string | SQL | null | undefined, cast: string) =>
  v === undefined || v === null ? sql.raw(`NULL::${cast}`) : typeof v === "string" ? sql`${v}::${sql.raw(cast)}` : v;

const metadataSql = (m: unknown) =>
  m === undefined ? sql`NULL::jsonb` : m instanceof SQL ? m : sql`${JSON.stringify(m)}::jsonb`;

/** `ledger_post(…)` with named arguments: a jsonb PostedEntry or Refusal, or NULL when the batch's idempotency claim closed it. */
export function postingCall(req: PostingRequest): SQL {
  return sql`ledger_post(
    p_account_id => ${valueOrSql(req.accountId, "uuid")},
    p_amount => ${valueOrSql(req.amount, "numeric")},
    p_counter => ${valueOrSql(req.counter, "text")},
    p_source => ${req.source}::text,
    p_type => ${req.type}::text,
    p_workspace_id => ${valueOrSql(req.workspaceId, "uuid")},
    p_description => ${valueOrSql(req.description, "text")},
    p_effective_at => ${req.occurredAt instanceof SQL ? req.occurredAt : valueOrSql(req.occurredAt?.toISOString(), "timestamptz")},
    p_external_ref => ${valueOrSql(req.externalRef, "text")},
    p_metadata => ${metadataSql(req.metadata)},
    p_enforce_overdraft => ${req.enforceOverdraft}::boolean,
    p_api_key_id => ${valueOrSql(req.apiKeyId, "uuid")},
    p_require_not_suspended => ${req.requireNotSuspended ?? false}::boolean)`;
}

// ---- runWrite's statements (idempotency.ts) ----

/** Retention of stored outcomes (the contract promises at least 24 hours). */
const RETENTION = "48 hours";

/** The HTTP status a replayed refusal is stored with. */
const REPLAYED_STATUS = sql.raw(
  `CASE result->>'failure' ${REPLAYED_FAILURES.map((f) => `WHEN '${f}' THEN ${new PostingError(f).status}`).join(" ")} END`,
);

const effectCtes = (effect: Effect) => (effect.ctes ? sql`${effect.ctes},` : sql``);

/** The effect as one statement (a write without an Idempotency-Key); a refusal rolls it back when asked. */
export function effectStatement(effect: Effect): SQL {
  const refusedCheck = effect.rollbackOnRefusal
    ? sql`, CASE WHEN result::jsonb ? 'failure' THEN write_refused(result::jsonb) END AS refused`
    : sql``;
  return sql`WITH ${effectCtes(effect)} effect AS MATERIALIZED (SELECT ${effect.result} AS result)
      SELECT result ${refusedCheck} FROM effect`;
}

/** A statement's value: a request's own, or a slot of a statement prepared once (src/db/prepared.ts). */
type Value<T> = T | Placeholder;

/** The key's claim (idempotency_claim) with the caller's credential re-checked beside it. */
export const claimStatement = (
  scope: Value<string>,
  key: Value<string>,
  fingerprint: Value<string>,
  stillAuthorized?: SQL,
): SQL => sql`
        SELECT c.state, c.response_status, c.response_body, ${stillAuthorized ?? sql`true`} AS authorized
        FROM idempotency_claim(${scope}, ${key}, ${fingerprint}) c`;

/** The effect, storing its outcome under the key when the claim opened it (after claimStatement, same batch). */
export const storingEffectStatement = (
  effect: Effect,
  stored: {
    scope: Value<string>;
    key: Value<string>;
    fingerprint: Value<string>;
    status: Value<number>;
    storeRefusals: Value<boolean>;
  },
): SQL => sql`
        WITH ${effectCtes(effect)} effect AS MATERIALIZED (SELECT ${effect.result} AS result),
        stored AS (
          INSERT INTO idempotency_keys (scope, key, request_hash, response_status, response_body, expires_at)
          SELECT ${stored.scope}, ${stored.key}, ${stored.fingerprint},
            CASE WHEN result ? 'failure' THEN ${REPLAYED_STATUS} ELSE ${stored.status}::int END,
            CASE WHEN result ? 'failure' THEN jsonb_build_object('$posting_failure', result->>'failure')
                 ELSE jsonb_build_object('$effect', result) END,
            now() + ${RETENTION}::interval
          FROM (SELECT result::jsonb AS result FROM effect) e
          WHERE idempotency_open() AND result IS NOT NULL
            AND (NOT result ? 'failure' OR (${stored.storeRefusals}::boolean
                 AND result->>'failure' IN (${sql.join(
                   REPLAYED_FAILURES.map((f) => sql`${f}`),
                   sql`, `,
                 )})))
          ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,
            response_status = EXCLUDED.response_status, response_body = EXCLUDED.response_body,
            created_at = now(), expires_at = EXCLUDED.expires_at
        )
        SELECT result FROM effect`;

/** Removes outcomes past their retention (scheduled). Bounded per run so it never holds locks for long. */
export async function purgeExpiredIdempotencyKeys(db: Database, batch = 5_000): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    WITH gone AS (
      DELETE FROM idempotency_keys WHERE ctid IN (
        SELECT ctid FROM idempotency_keys WHERE expires_at < now() LIMIT ${batch})
      RETURNING 1)
    SELECT count(*)::int AS n FROM gone`);
  return rows[0]?.n ?? 0;
}
