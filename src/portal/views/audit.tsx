/** @jsxImportSource hono/jsx */
// The audit trail in the back office: the audit page (filters, pages, CSV), the "last actions" of the
// overview, workspace and account pages, and the pending approvals with their approve / reject forms.
import type { z } from "@hono/zod-openapi";
import type { Approval } from "../../apis/admin/approvals/schemas";
import type { AuditEvent, AuditEventList } from "../../apis/admin/audit/schemas";
import { formatAmount, formatTime } from "./format";
import { Layout, PostForm } from "./layout";

type Event = z.infer<typeof AuditEvent>;

const change = (v: Record<string, unknown> | null) => (v ? JSON.stringify(v) : "—");

/** The events as a table; `compact` (a page's last actions) leaves out what changed. */
function EventTable({ events, compact = false }: { events: Event[]; compact?: boolean }) {
  return (
    <table data-testid="audit-events">
      <thead>
        <tr>
          <th>When</th>
          <th>Who</th>
          <th>Action</th>
          <th>Target</th>
          <th class="num">Amount</th>
          {!compact && <th>Before</th>}
          {!compact && <th>After</th>}
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr>
            <td>{formatTime(e.occurred_at)}</td>
            <td>{e.actor.email}</td>
            <td class="mono">{e.action}</td>
            <td class="mono">
              {e.target.type} {e.target.id}
            </td>
            <td class="num">{e.amount === null ? "" : formatAmount(e.amount, e.currency ?? "")}</td>
            {!compact && <td class="mono">{change(e.before)}</td>}
            {!compact && <td class="mono">{change(e.after)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The newest actions on a page's subject (overview, workspace, account). */
export function LastActions({ events }: { events: Event[] }) {
  return (
    <section class="card" aria-labelledby="last-actions-h">
      <h2 id="last-actions-h">Last actions</h2>
      {events.length === 0 ? <p class="muted">Nothing recorded yet.</p> : <EventTable events={events} compact />}
    </section>
  );
}

export type AuditFilters = { actor?: string; action?: string; target?: string; from?: string; to?: string };

export function AuditPage(props: { list: z.infer<typeof AuditEventList>; filters: AuditFilters; error?: string }) {
  const f = props.filters;
  const query = new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => Boolean(e[1])));
  const next = props.list.next_cursor
    ? `/portal/audit?${new URLSearchParams({ ...Object.fromEntries(query), cursor: props.list.next_cursor })}`
    : null;
  return (
    <Layout title="Audit trail" nav="audit" error={props.error}>
      <h1>Audit trail</h1>
      <form method="get" action="/portal/audit" class="row">
        <label>
          Who <input name="actor" value={f.actor ?? ""} placeholder="email, id or bootstrap" />
        </label>
        <label>
          Action <input name="action" value={f.action ?? ""} placeholder="account.status" />
        </label>
        <label>
          Target <input name="target" value={f.target ?? ""} placeholder="an id" />
        </label>
        <label>
          From <input name="from" type="date" value={f.from ?? ""} />
        </label>
        <label>
          To <input name="to" type="date" value={f.to ?? ""} />
        </label>
        <button type="submit">Filter</button>
        <a href={`/portal/audit.csv?${query}`} download>
          Export CSV
        </a>
      </form>
      {props.list.audit_events.length === 0 ? (
        <p class="muted">No action matches.</p>
      ) : (
        <EventTable events={props.list.audit_events} />
      )}
      {next && (
        <p>
          <a href={next} rel="next">
            Older →
          </a>
        </p>
      )}
    </Layout>
  );
}

/** Pending approval requests, with approve and reject forms (the API refuses a requester's own). */
export function PendingApprovals({
  approvals,
  title = "Pending approvals",
}: {
  approvals: z.infer<typeof Approval>[];
  title?: string;
}) {
  return (
    <section class="card" aria-labelledby="approvals-h">
      <h2 id="approvals-h">{title}</h2>
      {approvals.length === 0 ? (
        <p class="muted">Nothing waits for approval.</p>
      ) : (
        <table data-testid="pending-approvals">
          <thead>
            <tr>
              <th>Requested</th>
              <th>By</th>
              <th>Account</th>
              <th class="num">Amount</th>
              <th>Description</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {approvals.map((a) => (
              <tr data-approval-id={a.id}>
                <td>{formatTime(a.created_at)}</td>
                <td>{a.requested_by.email}</td>
                <td class="mono">
                  <a href={`/portal/accounts/${a.account_id}`}>{a.account_id}</a>
                </td>
                <td class="num">{formatAmount(a.amount, a.currency)}</td>
                <td>{a.description}</td>
                <td>{formatTime(a.expires_at)}</td>
                <td>
                  <PostForm action={`/portal/approvals/${a.id}/approve`} confirm="Approve and post this adjustment?">
                    <button type="submit">Approve</button>
                  </PostForm>
                  <PostForm action={`/portal/approvals/${a.id}/reject`}>
                    <input name="note" placeholder="Why not (optional)" maxlength={500} />
                    <button type="submit" class="danger">
                      Reject
                    </button>
                  </PostForm>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function ApprovalsPage(props: { approvals: z.infer<typeof Approval>[]; notice?: string; error?: string }) {
  return (
    <Layout title="Approvals" nav="approvals" notice={props.notice} error={props.error}>
      <h1>Approvals</h1>
      <p class="muted">
        Adjustments at or above the approval threshold post only once a second operator (approver or admin) approves
        them. Requests expire after 7 days.
      </p>
      <PendingApprovals approvals={props.approvals} />
    </Layout>
  );
}
