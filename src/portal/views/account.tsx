/** @jsxImportSource hono/jsx */
// One account: balance, status, reconciliation, the daily balance chart, entries, export and adjustments.
import type { z } from "@hono/zod-openapi";
import type { AccountDetail, BalanceHistory } from "../../apis/admin/accounts/schemas";
import type { EntryList } from "../../apis/admin/entries/schemas";
import { LEDGER_SOURCES, LEDGER_TYPES } from "../../db/schema";
import { BalanceChart } from "./chart";
import { formatAmount, formatTime } from "./format";
import { Layout, PostForm } from "./layout";
import { transactionHref } from "./ledger";

export type EntryFilters = { source?: string; type?: string; from?: string; to?: string };

type Props = {
  account: z.infer<typeof AccountDetail>;
  history: z.infer<typeof BalanceHistory>;
  entries: z.infer<typeof EntryList>;
  filters: EntryFilters;
  /** A fresh Idempotency-Key for this rendering of the adjustment form. */
  idempotencyKey: string;
  notice?: string;
  error?: string;
};

const query = (params: Record<string, string | undefined>) => {
  const set = Object.entries(params).filter((e): e is [string, string] => Boolean(e[1]));
  return set.length ? `?${new URLSearchParams(set)}` : "";
};

export function AccountPage({ account: a, history, entries, filters, idempotencyKey, notice, error }: Props) {
  const base = `/portal/accounts/${a.id}`;
  const money = (n: number) => formatAmount(n, a.currency);
  const r = a.reconciliation;
  return (
    <Layout title={`Account ${a.id.slice(0, 8)}`} nav="workspaces" notice={notice} error={error}>
      <p class="crumbs">
        <a href="/portal/workspaces">Workspaces</a> /{" "}
        <a href={`/portal/workspaces/${a.workspace_id}`}>{a.workspace_name}</a> /
      </p>
      <h1>
        {a.currency} account <span class="mono small">{a.id}</span>
      </h1>
      <div class="grid">
        <section class="card" aria-labelledby="balance-h">
          <h2 id="balance-h">Balance</h2>
          <p class="big" data-testid="balance">
            {money(a.balance)} {a.currency}
          </p>
          <p>
            Status <span class={`badge ${a.status}`}>{a.status}</span>{" "}
            {a.status !== "active" && (
              <a class="button" href={`${base}/status?to=active`}>
                Activate…
              </a>
            )}{" "}
            {a.status !== "suspended" && (
              <a class="button danger" href={`${base}/status?to=suspended`}>
                Suspend…
              </a>
            )}
          </p>
          <p class="muted">
            Overdraft limit {money(a.overdraft_limit)} · {a.entry_count} entries · updated {formatTime(a.updated_at)}
            {a.overdrawn_at && ` · overdrawn since ${formatTime(a.overdrawn_at)}`}
          </p>
          <p class={r.balanced ? "reconciled" : "error"} data-testid="reconciliation">
            Reconciliation: {r.entries_count} entries sum to {money(r.entries_sum)}; balance {money(a.balance)}:{" "}
            {r.balanced ? "balanced" : `off by ${money(r.difference)}`}
          </p>
        </section>
        <section class="card" aria-labelledby="adjust-h">
          <h2 id="adjust-h">Post an adjustment</h2>
          <PostForm action={`${base}/adjustments`} once>
            <input type="hidden" name="idempotency_key" value={idempotencyKey} />
            <label>
              Amount ({a.currency}, negative to debit)
              <input name="amount" required inputmode="decimal" pattern="-?[0-9]+([.][0-9]+)?" placeholder="25.00" />
            </label>
            <label>
              Description
              <input name="description" required maxlength={500} />
            </label>
            <button type="submit">Post adjustment</button>
          </PostForm>
        </section>
      </div>

      <section class="card" aria-labelledby="chart-h">
        <h2 id="chart-h">
          Balance per day, {history.from} to {history.to}
        </h2>
        <BalanceChart points={history.points} currency={a.currency} />
      </section>

      <section class="card" aria-labelledby="entries-h">
        <h2 id="entries-h">Entries</h2>
        <form method="get" action={base} class="row filters">
          <label>
            Source
            <select name="source">
              <option value="">any</option>
              {LEDGER_SOURCES.map((s) => (
                <option value={s} selected={filters.source === s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Type
            <select name="type">
              <option value="">any</option>
              {LEDGER_TYPES.map((t) => (
                <option value={t} selected={filters.type === t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
          <label>
            From
            <input type="date" name="from" value={filters.from ?? ""} />
          </label>
          <label>
            To
            <input type="date" name="to" value={filters.to ?? ""} />
          </label>
          <button type="submit">Apply</button>
          <a class="button" href={`${base}/entries.csv${query(filters)}`} download>
            Export CSV
          </a>
        </form>
        <p class="muted">
          The period (From/To, UTC days, inclusive) sets the chart and the export too; without one they cover the last
          30 days.
        </p>
        {entries.entries.length === 0 ? (
          <p class="muted">No entry matches.</p>
        ) : (
          <table data-testid="entries">
            <thead>
              <tr>
                <th class="num">Id</th>
                <th>Posted</th>
                <th>Effective</th>
                <th>Source</th>
                <th>Type</th>
                <th>Description</th>
                <th class="num">Amount</th>
                <th class="num">Balance after</th>
              </tr>
            </thead>
            <tbody>
              {entries.entries.map((e) => (
                <tr data-entry-id={String(e.id)}>
                  <td class="num">
                    <a href={transactionHref(e.transaction_id)} title="The ledger transaction and its legs">
                      {e.id}
                    </a>
                  </td>
                  <td>{formatTime(e.posted_at)}</td>
                  <td>{formatTime(e.effective_at)}</td>
                  <td>{e.source}</td>
                  <td>{e.type}</td>
                  <td class="wrap">{e.description ?? ""}</td>
                  <td class={`num ${e.amount < 0 ? "debit" : "credit"}`}>{money(e.amount)}</td>
                  <td class="num">{money(e.balance_after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {entries.next_cursor && (
          <p>
            <a href={`${base}${query({ ...filters, cursor: entries.next_cursor })}`} rel="next">
              Older entries →
            </a>
          </p>
        )}
      </section>
    </Layout>
  );
}

export function StatusConfirmPage({
  account: a,
  to,
}: {
  account: z.infer<typeof AccountDetail>;
  to: "active" | "suspended";
}) {
  const verb = to === "active" ? "Activate" : "Suspend";
  return (
    <Layout title={`${verb} account`} nav="workspaces">
      <section class="card narrow">
        <h1>{verb} this account?</h1>
        <p>
          {a.currency} account <span class="mono">{a.id}</span> of {a.workspace_name}, now <strong>{a.status}</strong>.
        </p>
        <p class="muted">
          {to === "suspended"
            ? "A suspended account refuses every posting and its API answers stop until it is activated again."
            : "An active account takes postings and answers its API keys again."}
        </p>
        <PostForm action={`/portal/accounts/${a.id}/status`} class="row" once>
          <input type="hidden" name="status" value={to} />
          <button type="submit" class={to === "suspended" ? "danger" : undefined}>
            {verb}
          </button>
          <a class="button" href={`/portal/accounts/${a.id}`}>
            Cancel
          </a>
        </PostForm>
      </section>
    </Layout>
  );
}
