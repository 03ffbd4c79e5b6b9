// Helpers of the reconciliation tests: mobile-money payments completed through the real signed webhook,
// reports posted as CSV bodies, and the ledger-wide trial balance.
import {
  ADMIN,
  callRoute,
  callRouteUnchecked,
  expectStatus,
  type Permission,
  query,
  routes,
  sql,
  tenant,
} from "./helpers";
import { moveTo } from "./webhook-signing";

const RW: Permission[] = ["payments.read", "payments.write"];

/** A merchant with an account in `currency` and a key to create mobile-money payments. */
export async function merchantIn(currency: string) {
  return tenant(RW, { currency });
}

/** A spec 001 payment of `amount`; completed through the signed webhook unless `complete` is false. */
export async function payment(key: string, amount: string, { complete = true } = {}) {
  const res = await callRoute(
    routes.paiements.createPayment,
    { json: { transaction_type: "PAYMENT", amount, description: "reconciliation test" } },
    { "x-api-key": key },
  );
  const { reference } = expectStatus(res, 201);
  if (complete) {
    await moveTo(reference, "PENDING");
    await moveTo(reference, "COMPLETE");
  }
  return reference;
}

/** POSTs a report (raw body, any query) to the import route: the answer typed by the route. */
export const importReport = (
  query: Record<string, string>,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
) =>
  callRouteUnchecked(
    routes.reconciliations.importReconciliation,
    { query, body },
    { ...ADMIN, "content-type": "text/csv", ...headers },
  );

/** Currencies whose customer balances and system balances do not sum to zero (none, in a sound ledger). */
export async function trialBalanceOff() {
  return query<{ currency: string; total: string }>(sql`
    SELECT currency, sum(b)::text AS total FROM (
      SELECT currency, balance AS b FROM accounts UNION ALL SELECT currency, balance FROM system_balances) t
    GROUP BY currency HAVING sum(b) <> 0`);
}

/** A system account's balance (sum of its slot rows), as text with 4 decimals. */
export async function systemBalance(code: string, currency: string) {
  const [row] = await query<{ balance: string }>(sql`
    SELECT coalesce(sum(balance), 0)::numeric(24,4)::text AS balance FROM system_balances
    WHERE account_code = ${code} AND currency = ${currency}`);
  return row?.balance;
}

export async function accountBalance(accountId: string) {
  const [row] = await query<{ balance: string }>(
    sql`SELECT balance::text AS balance FROM accounts WHERE id = ${accountId}`,
  );
  return row?.balance;
}

/** Rows of the import's tables for `currency` (reconciliations of every status, staged lines). */
export async function importRows(currency: string) {
  const [row] = await query<{ reconciliations: number; lines: number }>(sql`
    SELECT (SELECT count(*)::int FROM reconciliations WHERE currency = ${currency}) AS reconciliations,
      (SELECT count(*)::int FROM reconciliation_lines l JOIN reconciliations r ON r.id = l.reconciliation_id
       WHERE r.currency = ${currency}) AS lines`);
  return row;
}

/** The period around a test: from a second before `start` to a minute from now. */
export const periodFrom = (start: number) => ({
  from: new Date(start - 1000).toISOString(),
  to: new Date(Date.now() + 60_000).toISOString(),
});
