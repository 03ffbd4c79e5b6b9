// SQL of the mobile-money payments surface. Every statement re-checks the API key's revocation in the
// database itself, so a key revoked a moment ago reads and writes nothing even while KV still caches it.
import { type Placeholder, type SQL, sql } from "drizzle-orm";
import { apiKeyActive } from "../../auth/queries";
import type { Database } from "../../db/client";
import { type Column, counterColumn, counterRows, rowColumn } from "../../db/list-counts";
import { offsetPageKeys, offsetPlan } from "../../db/paging";
import { executeBound, preparedByShape, type Slot } from "../../db/prepared";
import { JSON_HOLE, jsonArrayText, readWireJson, wireJson } from "../../db/rendered-json";
import { isoUtc } from "../../db/sql-time";
import type { Effect } from "../../ledger/idempotency";
import type { MobileMoneyStatus, MobileMoneyType } from "../../payments/mobile-money";
import { splitAtDays } from "./date-range";

export type PaymentRow = {
  id: string;
  reference: string;
  /** numeric as text: exact. */
  amount: string;
  description: string | null;
  status: MobileMoneyStatus;
  transaction_type: MobileMoneyType;
  phone: string | null;
  service_mobile_code: string | null;
  extra_data: Record<string, unknown> | null;
  /** ISO 8601 UTC to the second, as the spec shows it. */
  created_at: string;
  updated_at: string;
  workspace_id: string;
  api_key_id: string;
};

const isoSeconds = (column: string) => isoUtc(sql.raw(column), "seconds");

/** SELECT list producing a PaymentRow from mobile_money_payments. */
export const paymentColumns = sql`id::text AS id, reference, amount::text AS amount, description, status,
  transaction_type, phone, service_mobile_code, extra_data, ${isoSeconds("created_at")} AS created_at,
  ${isoSeconds("updated_at")} AS updated_at, workspace_id::text AS workspace_id, api_key_id::text AS api_key_id`;

export type PaymentFilter = {
  apiKeyId: string;
  workspaceId: string;
  transactionType?: MobileMoneyType;
  status?: MobileMoneyStatus;
  /** Unix seconds, inclusive. */
  dateFrom?: number;
  /** Unix seconds, inclusive of the whole second. */
  dateTo?: number;
};

type ListSlot =
  | "apiKeyId"
  | "workspaceId"
  | "type"
  | "status"
  | "from"
  | "end"
  | "edge0From"
  | "edge0To"
  | "edge1From"
  | "edge1To"
  | "dayFirst"
  | "dayEnd"
  | "limit"
  | "offset";

/**
 * What the list statement's text depends on: which filters the request has, and how its date range
 * splits into whole days (counted from per-day buckets) and partial days at its edges (counted rows).
 */
type ListShape = {
  type: boolean;
  status: boolean;
  from: boolean;
  end: boolean;
  edges: { from: boolean; to: boolean }[];
  days: { first: boolean; end: boolean } | null;
};

/** The statuses and type a filter names, as conditions on a payment row or a counter row alike. */
function dimensionsSql(f: ListShape, column: Column, slot: Slot<ListSlot>): SQL[] {
  const parts: SQL[] = [];
  if (f.type) parts.push(sql`${column("transaction_type")} = ${slot("type")}`);
  if (f.status) parts.push(sql`${column("status")} = ${slot("status")}`);
  return parts;
}

/** The key's payments the filter names, date range aside. */
const keyRowsSql = (f: ListShape, slot: Slot<ListSlot>): SQL[] => [
  sql`api_key_id = ${slot("apiKeyId")}`,
  ...dimensionsSql(f, rowColumn, slot),
];

/** `created_at` in [from, to) (Unix seconds), each bound present or not. */
const createdBetween = (from: Placeholder | null, to: Placeholder | null): SQL[] => [
  ...(from === null ? [] : [sql`created_at >= to_timestamp(${from}::bigint)`]),
  ...(to === null ? [] : [sql`created_at < to_timestamp(${to}::bigint)`]),
];

const and = (parts: SQL[]) => sql.join(parts, sql` AND `);

const EDGE_SLOTS = [
  ["edge0From", "edge0To"],
  ["edge1From", "edge1To"],
] as const;

/**
 * The number of the key's payments matching the filter, without counting them: the per-key counters
 * without a date range; with one, the per-day buckets for its whole days plus a row count of the (at
 * most two) partial days at its edges, from the index.
 */
function matchingCount(f: ListShape, slot: Slot<ListSlot>): SQL {
  const counted = dimensionsSql(f, counterColumn, slot);
  if (!f.from && !f.end) {
    return sql`(SELECT coalesce(sum(n), 0) ${counterRows("mobile_money_payments", slot("apiKeyId"), counted)})`;
  }
  const parts: SQL[] = f.edges.map((e, i) => {
    const slots = EDGE_SLOTS[i];
    if (!slots) throw new Error("a date range splits into at most two partial days (date-range.ts)");
    const [from, to] = slots;
    return sql`(SELECT count(*) FROM mobile_money_payments WHERE ${and([
      ...keyRowsSql(f, slot),
      ...createdBetween(e.from ? slot(from) : null, e.to ? slot(to) : null),
    ])})`;
  });
  if (f.days) {
    const range = [
      ...(f.days.first ? [sql`day >= DATE '1970-01-01' + ${slot("dayFirst")}::int`] : []),
      ...(f.days.end ? [sql`day < DATE '1970-01-01' + ${slot("dayEnd")}::int`] : []),
    ];
    parts.push(
      sql`(SELECT coalesce(sum(n), 0) ${counterRows("mobile_money_payments_by_day", slot("apiKeyId"), [...counted, ...range])})`,
    );
  }
  return sql.join(parts, sql` + `);
}

/** The key is unrevoked and still the principal's workspace's: rows are then read by key alone. */
const keyOfWorkspace = (slot: Slot<ListSlot>) =>
  sql`EXISTS (SELECT 1 FROM api_keys k WHERE k.id = ${slot("apiKeyId")} AND k.workspace_id = ${slot("workspaceId")} AND k.revoked_at IS NULL)`;

/** A page of the key's payments: its `data` as the API's JSON text, with holes for its extra_data. */
export type PaymentsPageText = {
  total: number;
  /** `MobileMoneyPayment[]` as JSON text, rendered by PostgreSQL; each non-null extra_data is a hole (src/db/rendered-json.ts). */
  data: string;
  /** The holes' extra_data objects, in order, as the driver parsed them from jsonb's text. */
  extras: Record<string, unknown>[];
};

/**
 * One statement: the key's revocation, the filtered total (from counters) and the newest-first page
 * (deep pages from the far end), from one snapshot. The page is rendered here in MobileMoneyPayment's
 * exact shape and key order (`trim_scale`: numeric 500.0000 renders as the JSON number 500, as
 * JavaScript's Number would), except extra_data: jsonb prints its own spacing and number forms and
 * JavaScript orders integer-like keys first, so the worker writes each one with JSON.stringify. Each
 * shape of filter is compiled once per isolate.
 */
const listStatement = preparedByShape<ListShape, ListSlot>(
  (f) =>
    `${f.type}|${f.status}|${f.from}|${f.end}|${f.edges.map((e) => `${e.from}${e.to}`).join(",")}|` +
    `${f.days ? `${f.days.first}${f.days.end}` : "none"}`,
  (f, slot) => {
    const keys = offsetPageKeys(
      {
        select: sql`SELECT id FROM mobile_money_payments
        WHERE ${and([...keyRowsSql(f, slot), ...createdBetween(f.from ? slot("from") : null, f.end ? slot("end") : null)])}`,
        newestFirst: sql`mobile_money_payments.created_at DESC NULLS LAST, mobile_money_payments.id DESC NULLS LAST`,
        oldestFirst: sql`mobile_money_payments.created_at ASC NULLS FIRST, mobile_money_payments.id ASC NULLS FIRST`,
      },
      slot("limit"),
    );
    return sql`
    WITH head AS MATERIALIZED (SELECT ${keyOfWorkspace(slot)} AS key_ok, ${matchingCount(f, slot)} AS total),
    plan AS MATERIALIZED (${offsetPlan(sql`(SELECT CASE WHEN key_ok THEN total ELSE 0 END FROM head)`, slot("offset"), slot("limit"))})
    SELECT head.key_ok, head.total::text AS total, body.data, body.extras
    FROM head CROSS JOIN LATERAL (
      SELECT ${wireJson(jsonArrayText(sql`m.created_at DESC, m.id DESC`))} AS data,
        coalesce(json_agg(m.extra_data ORDER BY m.created_at DESC, m.id DESC) FILTER (WHERE m.extra_data IS NOT NULL), '[]') AS extras
      FROM mobile_money_payments m JOIN (${keys}) page (page_id) ON m.id = page.page_id
      CROSS JOIN LATERAL (
        SELECT 'payment_' || m.id AS id, m.reference, trim_scale(m.amount) AS amount, m.description, m.status,
          m.transaction_type, m.phone, m.service_mobile_code,
          CASE WHEN m.extra_data IS NOT NULL THEN ${JSON_HOLE} END AS extra_data,
          ${isoSeconds("m.created_at")} AS "createdAt", ${isoSeconds("m.updated_at")} AS "updatedAt",
          m.workspace_id AS organization_id, m.api_key_id
      ) j
    ) body`;
  },
);

export async function listPayments(
  db: Database,
  filter: PaymentFilter,
  offset: number,
  limit: number,
): Promise<PaymentsPageText | null> {
  // `dateTo` includes its whole second: the range ends before the next one.
  const end = filter.dateTo === undefined ? undefined : filter.dateTo + 1;
  const dated = filter.dateFrom !== undefined || end !== undefined;
  const split = dated ? splitAtDays(filter.dateFrom, end) : { days: null, edges: [] };
  const edge = (i: number) => split.edges[i];
  const statement = listStatement(
    {
      type: filter.transactionType !== undefined,
      status: filter.status !== undefined,
      from: filter.dateFrom !== undefined,
      end: end !== undefined,
      edges: split.edges.map((e) => ({ from: e.from !== undefined, to: e.to !== undefined })),
      days: split.days && { first: split.days.first !== undefined, end: split.days.end !== undefined },
    },
    {
      apiKeyId: filter.apiKeyId,
      workspaceId: filter.workspaceId,
      type: filter.transactionType ?? null,
      status: filter.status ?? null,
      from: filter.dateFrom ?? null,
      end: end ?? null,
      edge0From: edge(0)?.from ?? null,
      edge0To: edge(0)?.to ?? null,
      edge1From: edge(1)?.from ?? null,
      edge1To: edge(1)?.to ?? null,
      dayFirst: split.days?.first ?? null,
      dayEnd: split.days?.end ?? null,
      limit,
      offset,
    },
  );
  const { rows } = await executeBound<{
    key_ok: boolean;
    total: string;
    data: string;
    extras: PaymentsPageText["extras"];
  }>(db, statement);
  const row = rows[0];
  if (!row?.key_ok) return null;
  return { total: Number(row.total), data: readWireJson(row.data), extras: row.extras };
}

export type NewPayment = {
  apiKeyId: string;
  accountId: string;
  transactionType: MobileMoneyType;
  amount: string;
  description: string | null;
  phone: string | null;
  serviceMobileCode: string | null;
  extraData: Record<string, unknown> | null;
};

/**
 * Effect inserting a payment in status INIT under `reference`. Workspace and account come from the key's
 * own database row, which must still be unrevoked and bound to `accountId` (refusal "key_revoked"). A
 * reference that is already taken (18 random digits: practically never) refuses as "reference_taken".
 */
export function insertPaymentEffect(p: NewPayment, reference: string): Effect {
  return {
    ctes: sql`ins AS (
      INSERT INTO mobile_money_payments
        (workspace_id, account_id, api_key_id, reference, amount, description, status, transaction_type,
         phone, service_mobile_code, extra_data)
      SELECT k.workspace_id, k.account_id, k.id, ${reference}, ${p.amount}::numeric, ${p.description}, 'INIT',
             ${p.transactionType}, ${p.phone}, ${p.serviceMobileCode},
             ${p.extraData === null ? null : JSON.stringify(p.extraData)}::jsonb
      FROM api_keys k JOIN accounts a ON a.id = k.account_id
      WHERE k.id = ${p.apiKeyId} AND k.revoked_at IS NULL AND k.account_id = ${p.accountId} AND idempotency_open()
        AND currency_allows(a.currency, ${p.amount}::numeric)
      ON CONFLICT (reference) DO NOTHING
      RETURNING ${paymentColumns})`,
    // The credit on COMPLETE posts this amount, so the currency's precision is checked now.
    result: sql`coalesce((SELECT to_jsonb(ins) FROM ins), CASE
      WHEN NOT ${apiKeyActive(p.apiKeyId)} THEN '{"failure":"key_revoked"}'::jsonb
      WHEN NOT (SELECT currency_allows(a.currency, ${p.amount}::numeric) FROM accounts a WHERE a.id = ${p.accountId})
        THEN (SELECT currency_precision_refusal(a.currency) FROM accounts a WHERE a.id = ${p.accountId})
      ELSE '{"failure":"reference_taken"}'::jsonb END)`,
  };
}
