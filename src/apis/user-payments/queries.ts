// Spec 000's history: every ledger entry of the account, in the spec's two sources and three types.
// The mapping (docs/api-surfaces.md, "One ledger, three vocabularies") is SQL, so that the `type` filter acts on the
// mapped value inside the one statement that reads the page.
import { type SQL, sql } from "drizzle-orm";
import { apiKeyActive } from "../../auth/queries";
import type { Database } from "../../db/client";
import { executeBound, preparedByShape, type Slot } from "../../db/prepared";
import { jsonArrayText, readWireJson, wireJson } from "../../db/rendered-json";
import { isoUtc } from "../../db/sql-time";

export const PAYMENT_SOURCES = ["sms_gateway", "portal"] as const;
export const PAYMENT_TYPES = ["deposit", "usage", "adjustment"] as const;
export type PaymentSource = (typeof PAYMENT_SOURCES)[number];
export type PaymentType = (typeof PAYMENT_TYPES)[number];

/** `portal`: every manual entry (ledger source portal); `sms_gateway`: every upstream payment. */
const mappedSource = sql`CASE WHEN ledger_entries.source = 'portal' THEN 'portal' ELSE 'sms_gateway' END`;

/** `adjustment`: manual entries and every reversal; `usage`: usage charges; `deposit`: every other payment in. */
const mappedType = sql`CASE
  WHEN ledger_entries.source = 'portal' OR ledger_entries.type IN ('adjustment', 'reversal') THEN 'adjustment'
  WHEN ledger_entries.type = 'usage' THEN 'usage'
  ELSE 'deposit' END`;

/**
 * `mappedType = t`, spelled on the plain columns: PostgreSQL estimates these from the columns' statistics,
 * where a CASE expression gets a blind guess that can tip the plan into sorting the history.
 */
const MAPPED_TYPE_IS: Record<PaymentType, SQL> = {
  adjustment: sql`(source = 'portal' OR type IN ('adjustment', 'reversal'))`,
  usage: sql`(source <> 'portal' AND type = 'usage')`,
  deposit: sql`(source <> 'portal' AND type NOT IN ('adjustment', 'reversal', 'usage'))`,
};

/** A page of the history: its body as the API's JSON text, and the keyset position of its last row when more follow. */
export type HistoryPage = {
  key_ok: boolean;
  /** `UserPayment[]` as JSON text, rendered by PostgreSQL (src/http/json-text.ts). */
  body: string;
  /** ISO 8601 UTC, microseconds: the exact keyset position of the page's last row; null on the last page. */
  next_position: string | null;
  next_id: number | null;
};

export type HistoryFilter = {
  accountId: string;
  /** `portal`: the gateway-degraded view (gateway `partial`). */
  view: "all" | "portal";
  type?: PaymentType;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  /** Keyset: entries strictly older than this (position, id). */
  before?: { position: string; id: number };
};

/** What a history statement's text depends on: which filters the request has. */
type HistoryShape = Pick<HistoryFilter, "view" | "type"> & { from: boolean; to: boolean; before: boolean };
type HistorySlot = "apiKeyId" | "accountId" | "from" | "to" | "beforePosition" | "beforeId" | "limit" | "fetch";

function filterSql(f: HistoryShape, slot: Slot<HistorySlot>): SQL {
  // The ledger's own source column for the portal view: ledger_account_source_time_idx serves it exactly.
  const parts: SQL[] = [sql`account_id = ${slot("accountId")}::uuid`];
  if (f.view === "portal") parts.push(sql`source = 'portal'`);
  if (f.type) parts.push(MAPPED_TYPE_IS[f.type]);
  if (f.from) parts.push(sql`occurred_at >= ${slot("from")}::timestamptz`);
  if (f.to) parts.push(sql`occurred_at < ${slot("to")}::timestamptz`);
  if (f.before)
    parts.push(sql`(occurred_at, id) < (${slot("beforePosition")}::timestamptz, ${slot("beforeId")}::bigint)`);
  return sql.join(parts, sql` AND `);
}

/**
 * Newest-first keyset page of the account's history, with the API key's revocation re-checked in the
 * same statement. The ORDER BY names the table's columns in the exact order of ledger_account_time_idx
 * (DESC NULLS LAST): any other spelling makes PostgreSQL sort the whole history. One row past the page
 * tells whether another follows. The body is rendered here in UserPayment's exact shape and key order
 * (`trim_scale`: numeric 500.00 renders as the JSON number 500, as JavaScript's Number would). Each
 * shape of filter is compiled once per isolate.
 */
const historyStatement = preparedByShape<HistoryShape, HistorySlot>(
  (f) => `${f.view}|${f.type ?? ""}|${f.from}|${f.to}|${f.before}`,
  (f, slot) => sql`
    SELECT ${apiKeyActive(slot("apiKeyId"))} AS key_ok,
      ${wireJson(jsonArrayText(sql`p.n`, sql`p.n <= ${slot("limit")}`))} AS body,
      CASE WHEN count(p.n) > ${slot("limit")} THEN max(${isoUtc(sql`p.occurred_at`, "micros")}) FILTER (WHERE p.n = ${slot("limit")}) END AS next_position,
      CASE WHEN count(p.n) > ${slot("limit")} THEN (max(p.id) FILTER (WHERE p.n = ${slot("limit")}))::int END AS next_id
    FROM (
      SELECT row_number() OVER (ORDER BY e.occurred_at DESC NULLS LAST, e.id DESC NULLS LAST) AS n, e.* FROM (
        SELECT id, amount, currency, ${mappedSource} AS source, ${mappedType} AS type, description, occurred_at
        FROM ledger_entries WHERE ${filterSql(f, slot)}
        ORDER BY ledger_entries.occurred_at DESC NULLS LAST, ledger_entries.id DESC NULLS LAST LIMIT ${slot("fetch")}
      ) e
    ) p
    CROSS JOIN LATERAL (
      SELECT CASE WHEN p.source = 'portal' THEN 'portal_P' ELSE 'sms_gateway_S' END || p.id AS id,
        trim_scale(p.amount) AS amount, p.currency, ${isoUtc(sql`p.occurred_at`, "seconds")} AS date, p.type,
        p.description, p.source
    ) j`,
);

/** One page of `limit` rows (fetching one more: it tells whether a next page exists). */
export async function historyPage(db: Database, apiKeyId: string, filter: HistoryFilter, limit: number) {
  const statement = historyStatement(
    { view: filter.view, type: filter.type, from: !!filter.from, to: !!filter.to, before: !!filter.before },
    {
      apiKeyId,
      accountId: filter.accountId,
      from: filter.from?.toISOString() ?? null,
      to: filter.to?.toISOString() ?? null,
      beforePosition: filter.before?.position ?? null,
      beforeId: filter.before?.id ?? null,
      limit,
      fetch: limit + 1,
    },
  );
  const { rows } = await executeBound<HistoryPage>(db, statement);
  const row = rows[0];
  return row
    ? { ...row, body: readWireJson(row.body) }
    : { key_ok: false, body: "[]", next_position: null, next_id: null };
}
