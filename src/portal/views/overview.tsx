/** @jsxImportSource hono/jsx */
// The overview: the SMS gateway's state and its manual override, the ledger's counts, failing webhooks.
import type { z } from "@hono/zod-openapi";
import type { Child } from "hono/jsx";
import type { EffectiveGatewayStatusBody } from "../../apis/admin/gateway/schemas";
import type { TrialBalance } from "../../apis/admin/ledger/schemas";
import type { Overview } from "../../apis/admin/overview/schemas";
import type { ClearingOverview } from "../../apis/admin/upstreams/schemas";
import { GATEWAY_STATUSES } from "../../edge/kv-state";
import { formatTime } from "./format";
import { Layout, PostForm, RetryDeliveryForm } from "./layout";
import { UpstreamClearingSection } from "./reconciliations";

type Props = {
  gateway: z.infer<typeof EffectiveGatewayStatusBody>;
  overview: z.infer<typeof Overview>;
  trial: z.infer<typeof TrialBalance>;
  /** Per upstream: the clearing balance and the money past its settlement window (issue 20). */
  clearing: z.infer<typeof ClearingOverview>;
  notice?: string;
  error?: string;
  /** More sections (pending approvals, last actions), rendered at the end. */
  children?: Child;
};

export function OverviewPage({ gateway, overview, trial, clearing, notice, error, children }: Props) {
  const who =
    gateway.source === "admin"
      ? (gateway.set_by ?? "a portal admin")
      : gateway.source === "monitor"
        ? "the gateway monitor"
        : "nobody yet";
  return (
    <Layout title="Overview" nav="overview" notice={notice} error={error}>
      <h1>Overview</h1>
      <UpstreamClearingSection clearing={clearing} />
      <div class="grid">
        <section class="card" aria-labelledby="gateway-h">
          <h2 id="gateway-h">SMS gateway</h2>
          <p>
            <span class={`badge ${gateway.effective_status}`} data-testid="gateway-effective">
              {gateway.effective_status}
            </span>
            {gateway.unknown && <span class="muted"> (monitor silent: state unknown, answered as partial)</span>}
          </p>
          <dl>
            <dt>Stored state</dt>
            <dd>{gateway.status}</dd>
            <dt>Since</dt>
            <dd>{gateway.source ? formatTime(gateway.updated_at) : "never set (ok by default)"}</dd>
            <dt>Why</dt>
            <dd>{gateway.reason ?? "—"}</dd>
            <dt>Set by</dt>
            <dd>{who}</dd>
            {gateway.checked_at && (
              <>
                <dt>Last confirmed</dt>
                <dd>{formatTime(gateway.checked_at)}</dd>
              </>
            )}
          </dl>
          <PostForm action="/portal/gateway-status" class="row">
            <label>
              Manual state
              <select name="status">
                {GATEWAY_STATUSES.map((s) => (
                  <option value={s} selected={s === gateway.status}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Reason
              <input name="reason" maxlength={500} placeholder="set by portal admin" />
            </label>
            <button type="submit">Set state</button>
          </PostForm>
        </section>
        <section class="card" aria-labelledby="counts-h">
          <h2 id="counts-h">Ledger</h2>
          <dl class="figures">
            <dt>Workspaces</dt>
            <dd data-testid="count-workspaces">{overview.workspaces}</dd>
            <dt>Accounts</dt>
            <dd data-testid="count-accounts">{overview.accounts}</dd>
            <dt>Entries posted today (UTC)</dt>
            <dd data-testid="count-entries-today">{overview.entries_today}</dd>
          </dl>
        </section>
        <section class="card" aria-labelledby="money-h">
          <h2 id="money-h">Money</h2>
          {trial.currencies.length === 0 ? (
            <p class="muted">No money has moved yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Currency</th>
                  <th class="num">Customer balances</th>
                  <th>Trial balance</th>
                </tr>
              </thead>
              <tbody>
                {trial.currencies.map((t) => (
                  <tr>
                    <td>{t.currency}</td>
                    <td class="num" data-testid={`money-${t.currency}`}>
                      {t.customer_total}
                    </td>
                    <td>
                      <a href={`/portal/ledger#tb-${t.currency}`}>
                        {/^-?0(\.0+)?$/.test(t.total) ? "balanced" : `off by ${t.total}`}
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      <section class="card" aria-labelledby="failing-h">
        <h2 id="failing-h">Failing merchant webhooks</h2>
        {overview.failing_deliveries.length === 0 ? (
          <p class="muted">None: every attempted webhook was delivered.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Workspace</th>
                <th>Event</th>
                <th>URL</th>
                <th>Status</th>
                <th class="num">Attempts</th>
                <th>Last error</th>
                <th>Last attempt</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {overview.failing_deliveries.map((d) => (
                <tr>
                  <td>
                    <a href={`/portal/workspaces/${d.workspace_id}`}>{d.workspace_name}</a>
                  </td>
                  <td>{d.event_type}</td>
                  <td class="wrap">{d.url}</td>
                  <td>
                    <span class={`badge ${d.status}`}>{d.status}</span>
                  </td>
                  <td class="num">{d.attempts}</td>
                  <td class="wrap">{d.last_error}</td>
                  <td>{formatTime(d.last_attempt_at)}</td>
                  <td>
                    <RetryDeliveryForm action={`/portal/workspaces/${d.workspace_id}/deliveries/${d.id}/retry`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {children}
    </Layout>
  );
}
