/** @jsxImportSource hono/jsx */
// Back office pages of issue 20: reconciliations (upload, summary, items by bucket, resolve, settle,
// CSV export), an upstream's health, and the payment lookup. Plain forms; no client JavaScript needed.
import type { z } from "@hono/zod-openapi";
import type { SearchResults } from "../../apis/admin/payments/schemas";
import type { Item, Reconciliation, ReconciliationList } from "../../apis/admin/reconciliations/schemas";
import type { ClearingOverview, UpstreamHealth } from "../../apis/admin/upstreams/schemas";
import { RECONCILIATION_BUCKETS } from "../../db/schema";
import { UPSTREAMS } from "../../ledger/posting";
import { Layout, PostForm } from "./layout";

type Notices = { notice?: string; error?: string };

export function ReconciliationsPage(props: { list: z.infer<typeof ReconciliationList> } & Notices) {
  return (
    <Layout title="Reconciliations" nav="reconciliations" notice={props.notice} error={props.error}>
      <h1>Reconciliations</h1>
      <section>
        <h2>Import a settlement report</h2>
        <form method="post" action="/portal/reconciliations" enctype="multipart/form-data" class="stack">
          <label>
            Upstream{" "}
            <select name="upstream" required>
              {UPSTREAMS.map((u) => (
                <option value={u}>{u}</option>
              ))}
            </select>
          </label>
          <label>
            Currency <input name="currency" required pattern="[A-Z]{3}" maxlength={3} placeholder="EUR" />
          </label>
          <label>
            From <input name="from" type="date" required />
          </label>
          <label>
            To (exclusive) <input name="to" type="date" required />
          </label>
          <label>
            Report (CSV) <input name="report" type="file" accept=".csv,text/csv" required />
          </label>
          <button type="submit">Import</button>
        </form>
        <p>
          Upstream health:{" "}
          {UPSTREAMS.map((u) => (
            <>
              <a href={`/portal/upstreams/${u}/health`}>{u}</a>{" "}
            </>
          ))}
        </p>
      </section>
      <table>
        <thead>
          <tr>
            <th>Created</th>
            <th>Upstream</th>
            <th>Currency</th>
            <th>Period</th>
            <th>Status</th>
            <th>Lines</th>
          </tr>
        </thead>
        <tbody>
          {props.list.reconciliations.map((r) => (
            <tr>
              <td>
                <a href={`/portal/reconciliations/${r.id}`}>{r.created_at}</a>
              </td>
              <td>{r.upstream}</td>
              <td>{r.currency}</td>
              <td>
                {r.from} – {r.to}
              </td>
              <td>{r.status}</td>
              <td>{r.line_count}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.list.next_cursor && <a href={`/portal/reconciliations?cursor=${props.list.next_cursor}`}>Older</a>}
    </Layout>
  );
}

const ACTIONS = [
  ["timing", "Timing: expected in a later report"],
  ["adjust", "Adjust the customer account"],
  ["write_off", "Write off the difference"],
] as const;

function ResolveForm(props: { reconciliationId: string; item: z.infer<typeof Item>; bucket?: string }) {
  return (
    <PostForm
      action={`/portal/reconciliations/${props.reconciliationId}/items/${props.item.id}/resolve${props.bucket ? `?bucket=${props.bucket}` : ""}`}
      once
    >
      <input type="hidden" name="idempotency_key" value={crypto.randomUUID()} />
      <select name="action" aria-label={`Resolution of item ${props.item.id}`}>
        {ACTIONS.map(([value, label]) => (
          <option value={value}>{label}</option>
        ))}
      </select>{" "}
      <input name="note" required maxlength={1000} placeholder="note" aria-label={`Note for item ${props.item.id}`} />{" "}
      <button type="submit">Resolve</button>
    </PostForm>
  );
}

export function ReconciliationPage(
  props: {
    reconciliation: z.infer<typeof Reconciliation>;
    items: z.infer<typeof Item>[];
    nextCursor: string | null;
    bucket?: string;
  } & Notices,
) {
  const r = props.reconciliation;
  const base = `/portal/reconciliations/${r.id}`;
  return (
    <Layout title="Reconciliation" nav="reconciliations" notice={props.notice} error={props.error}>
      <h1>
        Reconciliation {r.upstream} {r.currency}
      </h1>
      <p>
        {r.from} – {r.to} · {r.line_count} lines · status <strong>{r.status}</strong> · imported by {r.actor}
      </p>
      <table class="summary">
        <tbody>
          {RECONCILIATION_BUCKETS.map((b) => (
            <tr>
              <th>
                <a href={`${base}?bucket=${b}`} aria-current={props.bucket === b ? "page" : undefined}>
                  {b}
                </a>
              </th>
              <td>{r.summary[b]}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <a href={base}>All items</a> ·{" "}
        <a href={`/portal/reconciliations/${r.id}/items.csv${props.bucket ? `?bucket=${props.bucket}` : ""}`}>
          Export CSV
        </a>
      </p>
      {r.status === "settled" ? (
        // Settling again would post nothing: the buttons go, and the page says when it was settled.
        <p>
          Settled {r.settled_at ?? ""}. Lines held back as <em>timing</em> wait for a later report.
        </p>
      ) : (
        <>
          <PostForm action={`${base}/settle`} confirm="Settle the matched and resolved items?" once>
            <input type="hidden" name="idempotency_key" value={crypto.randomUUID()} />
            <button type="submit">Settle</button>
          </PostForm>
          <PostForm action={`${base}/settle?partial=true`} confirm="Settle the matched lines only?" once>
            <input type="hidden" name="idempotency_key" value={crypto.randomUUID()} />
            <button type="submit">Settle matched lines only</button>
          </PostForm>
        </>
      )}
      <table>
        <thead>
          <tr>
            <th>Line</th>
            <th>Bucket</th>
            <th>Key</th>
            <th>Report</th>
            <th>Fee</th>
            <th>Ledger</th>
            <th>Resolution</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((i) => (
            <tr>
              <td>{i.line ?? "—"}</td>
              <td>{i.bucket}</td>
              <td>{i.key}</td>
              <td>{i.report_amount ?? "—"}</td>
              <td>{i.fee ?? "—"}</td>
              <td>{i.ledger_amount ?? "—"}</td>
              <td>
                {i.resolution ? (
                  `${i.resolution.action} by ${i.resolution.actor}: ${i.resolution.note ?? ""}`
                ) : i.bucket === "matched" ? (
                  i.settled_transaction_id ? (
                    "settled"
                  ) : (
                    "matched"
                  )
                ) : (
                  <ResolveForm reconciliationId={r.id} item={i} bucket={props.bucket} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.nextCursor && (
        <a
          href={`${base}?${new URLSearchParams({ ...(props.bucket ? { bucket: props.bucket } : {}), cursor: props.nextCursor })}`}
        >
          More items
        </a>
      )}
    </Layout>
  );
}

export function HealthPage(
  props: { upstream: string; currency: string; health?: z.infer<typeof UpstreamHealth> } & Notices,
) {
  const h = props.health;
  return (
    <Layout title={`${props.upstream} health`} nav="reconciliations" error={props.error}>
      <h1>Upstream health: {props.upstream}</h1>
      <form method="get" action={`/portal/upstreams/${props.upstream}/health`} class="inline">
        <label>
          Currency <input name="currency" required pattern="[A-Z]{3}" maxlength={3} value={props.currency} />
        </label>{" "}
        <button type="submit">Show</button>
      </form>
      {h && (
        <>
          <table class="summary">
            <tbody>
              <tr>
                <th>Clearing balance</th>
                <td>{h.clearing_balance}</td>
              </tr>
              <tr>
                <th>of which opening balance (before double-entry)</th>
                <td>{h.opening_balance}</td>
              </tr>
              <tr>
                <th>Past the {h.window_days}-day window</th>
                <td>
                  {h.past_window.amount} ({h.past_window.count} credits)
                </td>
              </tr>
              <tr>
                <th>Events refused, never posted</th>
                <td>{h.refused_events.count}</td>
              </tr>
              <tr>
                <th>Credits with no received event (30 days)</th>
                <td>{h.credits_without_event.count}</td>
              </tr>
            </tbody>
          </table>
          <h2>Stuck credits, oldest first</h2>
          <CreditTable credits={h.past_window.oldest} />
          <h2>Refused events</h2>
          <table>
            <thead>
              <tr>
                <th>Event</th>
                <th>Status</th>
                <th>Reason</th>
                <th>Attempts</th>
                <th>Last</th>
              </tr>
            </thead>
            <tbody>
              {h.refused_events.newest.map((e) => (
                <tr>
                  <td>{e.event_id}</td>
                  <td>{e.status}</td>
                  <td>{e.reason}</td>
                  <td>{e.attempts}</td>
                  <td>{e.last_at}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Credits with no received event</h2>
          <CreditTable credits={h.credits_without_event.newest} />
        </>
      )}
    </Layout>
  );
}

function CreditTable(props: { credits: z.infer<typeof UpstreamHealth>["past_window"]["oldest"] }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Posted</th>
          <th>Key</th>
          <th>Amount</th>
          <th>Account</th>
          <th>Transaction</th>
        </tr>
      </thead>
      <tbody>
        {props.credits.map((c) => (
          <tr>
            <td>{c.posted_at}</td>
            <td>{c.key ? <a href={`/portal/payments?lookup=${encodeURIComponent(c.key)}`}>{c.key}</a> : "—"}</td>
            <td>{c.amount}</td>
            <td>
              <a href={`/portal/accounts/${c.account_id}`}>{c.account_id}</a>
            </td>
            <td>{c.transaction_id}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function PaymentsPage(props: { q: string; results?: z.infer<typeof SearchResults>["results"] } & Notices) {
  return (
    <Layout title="Find a payment" error={props.error}>
      <h1>Find a payment</h1>
      {props.results && props.results.length === 0 && <p>Nothing has the key {props.q}.</p>}
      {props.results?.map((p) => (
        <section class="payment">
          <h2>
            {p.kind} {p.id}
          </h2>
          <p>
            Status <strong>{p.status}</strong>
            {p.amount && ` · ${p.amount} ${p.currency ?? ""}`} · created {p.created_at}
            {p.account_id && (
              <>
                {" "}
                · account <a href={`/portal/accounts/${p.account_id}`}>{p.account_id}</a>
              </>
            )}
          </p>
          <h3>Status history</h3>
          <ol>
            {p.status_history.map((h) => (
              <li>
                {h.status} at {h.at}
              </li>
            ))}
          </ol>
          <h3>Received events</h3>
          <ul>
            {p.events.map((e) => (
              <li>
                {e.upstream} {e.event_id} ({e.event_type}) at {e.received_at}
              </li>
            ))}
          </ul>
          <h3>Ledger</h3>
          {p.ledger.map((t) => (
            <table>
              <caption>Transaction {t.transaction_id}</caption>
              <tbody>
                {t.legs.map((l) => (
                  <tr>
                    <td>{l.account}</td>
                    <td>
                      {l.amount} {l.currency}
                    </td>
                    <td>{l.type ?? ""}</td>
                    <td>{l.posted_at}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
          <h3>Merchant webhook deliveries</h3>
          <ul>
            {p.deliveries.map((d) => (
              <li>
                {d.event_type} → {d.url}: {d.status} after {d.attempts} attempt(s)
              </li>
            ))}
          </ul>
        </section>
      ))}
    </Layout>
  );
}

/** The overview's section: per upstream and currency, the clearing balance and the money past its window. */
export function UpstreamClearingSection(props: { clearing: z.infer<typeof ClearingOverview> }) {
  return (
    <section>
      <h2>Upstream clearing</h2>
      <table data-testid="upstream-clearing">
        <thead>
          <tr>
            <th>Upstream</th>
            <th>Currency</th>
            <th>Clearing balance</th>
            <th>Past its window</th>
          </tr>
        </thead>
        <tbody>
          {props.clearing.upstreams.map((u) => (
            <tr>
              <td>
                <a href={`/portal/upstreams/${u.upstream}/health?currency=${u.currency}`}>{u.upstream}</a>
              </td>
              <td>{u.currency}</td>
              <td>{u.clearing_balance}</td>
              <td>
                {u.past_window_amount} ({u.past_window_count} credits older than {u.window_days} days)
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
