// Crypto payment statements. Every data-bearing statement is scoped to the token's workspace and
// re-checks the OAuth client's revocation in the same statement (`client_ok`).
import { type SQL, sql } from "drizzle-orm";
import { oauthClientActive } from "../../auth/queries";
import type { Database } from "../../db/client";
import { type Column, counterColumn, counterRows, rowColumn } from "../../db/list-counts";
import { offsetPageKeys, offsetPlan } from "../../db/paging";
import { executeBound, preparedByShape, type Slot } from "../../db/prepared";
import { jsonArrayText, readWireJson, wireJson } from "../../db/rendered-json";
import type { Effect } from "../../ledger/idempotency";
import type { CryptoStatus, CurrencyInfo } from "../../payments/crypto";
import { newPaymentDetailJson, paymentDetailJson, summaryColumns } from "../../payments/queries";

export type PaymentDetail = Record<string, unknown> & { transaction_id: string; status: CryptoStatus };

export type ListFilter = {
  status?: CryptoStatus;
  currency?: string;
  blockchain?: string;
  token?: string;
};

type ListSlot = "clientUuid" | "ws" | "status" | "currency" | "blockchain" | "token" | "limit" | "offset";
/** What the list statement's text depends on: which filters the request has. */
type ListShape = { [K in keyof ListFilter]-?: boolean };

/** The filter as conditions on a payment row or a counter row alike. */
function filterSql(filter: ListShape, column: Column, slot: Slot<ListSlot>): SQL[] {
  const parts: SQL[] = [];
  if (filter.status) parts.push(sql`${column("status")} = ${slot("status")}`);
  if (filter.currency) parts.push(sql`${column("currency")} = upper(${slot("currency")})`);
  if (filter.blockchain) parts.push(sql`${column("blockchain")} = ${slot("blockchain")}`);
  if (filter.token) parts.push(sql`${column("token")} = upper(${slot("token")})`);
  return parts;
}

/** A page of the merchant's payments: the list view's JSON text and the counts of its envelope. */
export type PaymentsPageText = {
  client_ok: boolean;
  count: number;
  total: number;
  /** `CryptoPaymentSummary[]` (schemas.ts PaymentSummary) as JSON text, rendered by PostgreSQL. */
  results: string;
};

/**
 * One statement: the client's revocation, `count` (matching the filter) and `total` (all the merchant's
 * payments) from the merchant's counters (a few dozen rows: status x currency, with the currency's network
 * and token), and the newest-first page, deep pages from the far end, rendered here in the list view's
 * exact shape and key order (its amounts are decimal strings). Each shape of filter is compiled once.
 */
const listStatement = preparedByShape<ListShape, ListSlot>(
  (f) => `${f.status}|${f.currency}|${f.blockchain}|${f.token}`,
  (filter, slot) => {
    const ws = slot("ws");
    const matches = filterSql(filter, rowColumn, slot);
    const counted = filterSql(filter, counterColumn, slot);
    const keys = offsetPageKeys(
      {
        select: sql`SELECT id FROM crypto_payments WHERE ${sql.join([sql`workspace_id = ${ws}`, ...matches], sql` AND `)}`,
        newestFirst: sql`crypto_payments.created_at DESC NULLS LAST, crypto_payments.id DESC NULLS LAST`,
        oldestFirst: sql`crypto_payments.created_at ASC NULLS FIRST, crypto_payments.id ASC NULLS FIRST`,
      },
      slot("limit"),
    );
    return sql`
    WITH head AS MATERIALIZED (
      SELECT ${oauthClientActive(slot("clientUuid"))} AS client_ok, coalesce(sum(n), 0)::int AS total,
        coalesce(sum(n) FILTER (WHERE ${counted.length ? sql.join(counted, sql` AND `) : sql`true`}), 0)::int AS count
      ${counterRows("crypto_payments", ws)}),
    plan AS MATERIALIZED (${offsetPlan(sql`(SELECT CASE WHEN client_ok THEN count ELSE 0 END FROM head)`, slot("offset"), slot("limit"))})
    SELECT head.client_ok, head.count, head.total,
      (SELECT ${wireJson(jsonArrayText(sql`p.created_at DESC, p.id DESC`))}
       FROM crypto_payments p JOIN (${keys}) page (page_id) ON p.id = page.page_id
       CROSS JOIN LATERAL (SELECT ${summaryColumns}) j) AS results
    FROM head`;
  },
);

export async function listPayments(
  db: Database,
  principal: { clientUuid: string; workspaceId: string },
  filter: ListFilter,
  limit: number,
  offset: number,
): Promise<PaymentsPageText> {
  const statement = listStatement(
    { status: !!filter.status, currency: !!filter.currency, blockchain: !!filter.blockchain, token: !!filter.token },
    {
      clientUuid: principal.clientUuid,
      ws: principal.workspaceId,
      status: filter.status ?? null,
      currency: filter.currency ?? null,
      blockchain: filter.blockchain ?? null,
      token: filter.token ?? null,
      limit,
      offset,
    },
  );
  const { rows } = await executeBound<PaymentsPageText>(db, statement);
  const row = rows[0];
  return row ? { ...row, results: readWireJson(row.results) } : { client_ok: false, count: 0, total: 0, results: "[]" };
}

export async function findPayment(
  db: Database,
  principal: { clientUuid: string; workspaceId: string },
  transactionId: string,
) {
  const { rows } = await db.execute<{ client_ok: boolean; payment: PaymentDetail | null }>(sql`
    SELECT ${oauthClientActive(principal.clientUuid)} AS client_ok,
      (SELECT ${paymentDetailJson} FROM crypto_payments p
       WHERE p.id = ${transactionId} AND p.workspace_id = ${principal.workspaceId}
         AND ${oauthClientActive(principal.clientUuid)}) AS payment`);
  return rows[0] ?? { client_ok: false, payment: null };
}

export type NewPayment = {
  orderId: string;
  amountUsd: string;
  currency: string;
  info: CurrencyInfo;
  address: string;
  callbackUrl: string | null;
};

/**
 * Effect creating a payment: picks the account it will credit (the workspace's oldest USD account that
 * is not suspended), re-checks the client, inserts the payment and its `waiting` history row. Refuses
 * "client_revoked", or "no_usd_account" when there is no creditable account.
 */
export function insertPaymentEffect(principal: { clientUuid: string; workspaceId: string }, p: NewPayment): Effect {
  return {
    ctes: sql`acct AS (
      SELECT a.id FROM accounts a
      WHERE a.workspace_id = ${principal.workspaceId} AND a.currency = 'USD' AND a.status <> 'suspended'
        AND ${oauthClientActive(principal.clientUuid)} AND idempotency_open()
      ORDER BY a.created_at, a.id LIMIT 1
    ), p AS (
      INSERT INTO crypto_payments (workspace_id, account_id, order_id, amount_usd, amount_crypto, currency,
                                   blockchain, token, address, callback_url)
      SELECT ${principal.workspaceId}, acct.id, ${p.orderId}, ${p.amountUsd}::numeric,
             round(${p.amountUsd}::numeric * ${p.info.rate}::numeric, 6), ${p.currency}, ${p.info.blockchain},
             ${p.info.token}, ${p.address}, ${p.callbackUrl}
      FROM acct
      RETURNING *
    ), h AS (
      INSERT INTO crypto_payment_history (payment_id, status, at) SELECT p.id, p.status, p.created_at FROM p
    )`,
    result: sql`coalesce(
      (SELECT ${newPaymentDetailJson} FROM p),
      CASE WHEN ${oauthClientActive(principal.clientUuid)} THEN '{"failure":"no_usd_account"}'
           ELSE '{"failure":"client_revoked"}' END::json)`,
  };
}
