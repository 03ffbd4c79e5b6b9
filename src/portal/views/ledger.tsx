/** @jsxImportSource hono/jsx */
// The ledger pages: where the money is (the trial balance per currency, each system account's balance),
// a system account's legs, and one transaction with its legs. Amounts are the admin API's exact decimal text.
import type { z } from "@hono/zod-openapi";
import type { LedgerTransaction, SystemEntries, TrialBalance } from "../../apis/admin/ledger/schemas";
import { formatTime } from "./format";
import { Layout } from "./layout";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const sign = (amount: string) => (amount.startsWith("-") ? "debit" : "credit");
const isZero = (amount: string) => /^-?0(\.0+)?$/.test(amount);

export const systemAccountHref = (code: string, currency: string) =>
  `/portal/ledger/system-accounts/${encodeURIComponent(code)}?currency=${currency}`;
export const transactionHref = (id: number) => `/portal/ledger/transactions/${id}`;

export function LedgerPage({ trial }: { trial: z.infer<typeof TrialBalance> }) {
  return (
    <Layout title="Ledger" nav="ledger">
      <h1>Ledger</h1>
      <p class="muted">
        Every movement is a transaction whose legs sum to zero. A deposit of X leaves its upstream's clearing account at
        −X until the upstream settles it; usage charges move money to revenue:usage.
      </p>
      {trial.currencies.length === 0 && <p class="muted">No money has moved yet.</p>}
      {trial.currencies.map((c) => (
        <section class="card" aria-labelledby={`tb-${c.currency}`}>
          <h2 id={`tb-${c.currency}`}>
            {c.currency}{" "}
            <span class={`badge ${isZero(c.total) ? "ok" : "unavailable"}`} data-testid={`trial-${c.currency}`}>
              {isZero(c.total) ? "balanced" : `off by ${c.total}`}
            </span>
          </h2>
          <table>
            <thead>
              <tr>
                <th>Account</th>
                <th class="num">Balance</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>Customer accounts (sum)</td>
                <td class="num">{c.customer_total}</td>
              </tr>
              {c.system_accounts.map((s) => (
                <tr>
                  <td>
                    <a class="mono" href={systemAccountHref(s.code, c.currency)}>
                      {s.code}
                    </a>
                  </td>
                  <td class={`num ${sign(s.balance)}`}>{s.balance}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th>Total</th>
                <th class="num">{c.total}</th>
              </tr>
            </tfoot>
          </table>
        </section>
      ))}
    </Layout>
  );
}

export function SystemAccountPage({
  code,
  currency,
  entries,
}: {
  code: string;
  currency: string;
  entries: z.infer<typeof SystemEntries>;
}) {
  return (
    <Layout title={code} nav="ledger">
      <p>
        <a href="/portal/ledger">← Ledger</a>
      </p>
      <h1>
        <span class="mono">{code}</span> · {currency}
      </h1>
      <section class="card">
        {entries.entries.length === 0 ? (
          <p class="muted">No legs in {currency}.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th class="num">Transaction</th>
                <th>Posted</th>
                <th>Effective</th>
                <th class="num">Amount</th>
              </tr>
            </thead>
            <tbody>
              {entries.entries.map((e) => (
                <tr>
                  <td class="num">
                    <a href={transactionHref(e.transaction_id)}>{e.transaction_id}</a>
                  </td>
                  <td>{formatTime(e.posted_at)}</td>
                  <td>{formatTime(e.effective_at)}</td>
                  <td class={`num ${sign(e.amount)}`}>{e.amount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {entries.next_cursor && (
          <p>
            <a href={`${systemAccountHref(code, currency)}&cursor=${entries.next_cursor}`} rel="next">
              Older legs →
            </a>
          </p>
        )}
      </section>
    </Layout>
  );
}

export function TransactionPage({ tx }: { tx: z.infer<typeof LedgerTransaction> }) {
  return (
    <Layout title={`Transaction ${tx.id}`} nav="ledger">
      <p>
        <a href="/portal/ledger">← Ledger</a>
      </p>
      <h1>Transaction {tx.id}</h1>
      <section class="card">
        <dl>
          <dt>Effective</dt>
          <dd>{formatTime(tx.effective_at)}</dd>
          <dt>Posted</dt>
          <dd>{formatTime(tx.posted_at)}</dd>
        </dl>
        <table>
          <thead>
            <tr>
              <th>Account</th>
              <th>Currency</th>
              <th class="num">Amount</th>
            </tr>
          </thead>
          <tbody>
            {tx.legs.map((l) => (
              <tr data-testid="leg">
                <td>
                  {UUID.test(l.account) ? (
                    <a class="mono" href={`/portal/accounts/${l.account}`}>
                      {l.account}
                    </a>
                  ) : (
                    <a class="mono" href={systemAccountHref(l.account, l.currency)}>
                      {l.account}
                    </a>
                  )}
                </td>
                <td>{l.currency}</td>
                <td class={`num ${sign(l.amount)}`}>{l.amount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  );
}
