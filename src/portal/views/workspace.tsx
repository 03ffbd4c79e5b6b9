/** @jsxImportSource hono/jsx */
// One workspace: its accounts, API keys, members, OAuth clients and outbound webhooks, with their forms.
import type { z } from "@hono/zod-openapi";
import type { AccountList } from "../../apis/admin/accounts/schemas";
import type { Delivery } from "../../apis/admin/deliveries/schemas";
import type { WorkspaceDetail } from "../../apis/admin/workspaces/schemas";
import { API_KEY_PERMISSIONS } from "../../auth/api-keys";
import { MEMBER_PERMISSIONS } from "../../auth/workspace-tokens";
import { API_KEY_MODES, MEMBER_ROLES, OAUTH_SCOPES } from "../../db/schema";
import { formatAmount, formatTime } from "./format";
import { DangerForm, Layout, PostForm, RetryDeliveryForm } from "./layout";

/** A credential shown once, right after it was made. */
export type ShownSecret = { title: string; value: string; note?: string };

type Props = {
  workspace: z.infer<typeof WorkspaceDetail>;
  accounts: z.infer<typeof AccountList>;
  accountsCursor?: string;
  deliveries: z.infer<typeof Delivery>[];
  secret?: ShownSecret;
  notice?: string;
  error?: string;
};

export function WorkspacePage({ workspace: w, accounts, deliveries, secret, notice, error }: Props) {
  const base = `/portal/workspaces/${w.id}`;
  return (
    <Layout title={w.name} nav="workspaces" notice={notice} error={error}>
      <p class="crumbs">
        <a href="/portal/workspaces">Workspaces</a> /
      </p>
      <h1>{w.name}</h1>
      <p class="muted mono">
        {w.id} · created {formatTime(w.created_at)}
      </p>
      {secret && (
        <section class="card secret" aria-labelledby="secret-h">
          <h2 id="secret-h">{secret.title}</h2>
          <p>Shown only this once: copy it now.</p>
          <output class="mono" data-testid="secret">
            {secret.value}
          </output>
          {secret.note && <p class="muted">{secret.note}</p>}
        </section>
      )}

      <section class="card" aria-labelledby="accounts-h">
        <h2 id="accounts-h">Accounts ({w.account_count})</h2>
        {accounts.accounts.length === 0 ? (
          <p class="muted">No account yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Account</th>
                <th>Currency</th>
                <th>Status</th>
                <th class="num">Balance</th>
                <th class="num">Entries</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {accounts.accounts.map((a) => (
                <tr>
                  <td class="mono">
                    <a href={`/portal/accounts/${a.id}`}>{a.id}</a>
                  </td>
                  <td>{a.currency}</td>
                  <td>
                    <span class={`badge ${a.status}`}>{a.status}</span>
                  </td>
                  <td class="num">{formatAmount(a.balance, a.currency)}</td>
                  <td class="num">{a.entry_count}</td>
                  <td>{formatTime(a.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {accounts.next_cursor && (
          <p>
            <a href={`${base}?accounts=${encodeURIComponent(accounts.next_cursor)}`} rel="next">
              More accounts →
            </a>
          </p>
        )}
        <PostForm action={`${base}/accounts`} class="row" once>
          <label>
            Currency
            <input name="currency" required pattern="[A-Z]{3}" maxlength={3} placeholder="EUR" />
          </label>
          <label>
            Status
            <select name="status">
              <option value="active">active</option>
              <option value="setup">setup</option>
            </select>
          </label>
          <label>
            Overdraft limit
            <input name="overdraft_limit" inputmode="decimal" placeholder="0" />
          </label>
          <button type="submit">Add account</button>
        </PostForm>
      </section>

      <section class="card" aria-labelledby="keys-h">
        <h2 id="keys-h">API keys</h2>
        {w.api_keys.length === 0 ? (
          <p class="muted">No API key yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Prefix</th>
                <th>Mode</th>
                <th>Permissions</th>
                <th>Bound account</th>
                <th>Created</th>
                <th>Revoked</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {w.api_keys.map((k) => (
                <tr data-key-id={k.id}>
                  <td class="mono">{k.prefix}…</td>
                  <td>{k.mode}</td>
                  <td class="wrap">{k.permissions.join(", ")}</td>
                  <td class="mono">
                    {k.account_id ? <a href={`/portal/accounts/${k.account_id}`}>{k.account_id.slice(0, 8)}…</a> : "—"}
                  </td>
                  <td>{formatTime(k.created_at)}</td>
                  <td>{formatTime(k.revoked_at)}</td>
                  <td>
                    {!k.revoked_at && (
                      <DangerForm
                        action={`${base}/api-keys/${k.id}/revoke`}
                        confirm={`Revoke the key ${k.prefix}…? It stops working at once.`}
                        label="Revoke"
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <details>
          <summary>Create an API key</summary>
          <PostForm action={`${base}/api-keys`} once>
            <label>
              Bound account
              <select name="account_id">
                <option value="">none</option>
                {accounts.accounts.map((a) => (
                  <option value={a.id}>
                    {a.currency} · {a.id}
                  </option>
                ))}
              </select>
            </label>
            <fieldset>
              <legend>Permissions</legend>
              {API_KEY_PERMISSIONS.map((p) => (
                <label class="check">
                  <input type="checkbox" name="permissions" value={p} /> {p}
                </label>
              ))}
            </fieldset>
            <label>
              Mode
              <select name="mode">
                {API_KEY_MODES.map((m) => (
                  <option value={m}>{m}</option>
                ))}
              </select>
            </label>
            <button type="submit">Create key</button>
          </PostForm>
        </details>
      </section>

      <section class="card" aria-labelledby="members-h">
        <h2 id="members-h">Members</h2>
        {w.members.length === 0 ? (
          <p class="muted">No member yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Email</th>
                <th>Role</th>
                <th>Permissions</th>
                <th>Added</th>
                <th>Tokens</th>
              </tr>
            </thead>
            <tbody>
              {w.members.map((m) => (
                <tr>
                  <td>{m.email}</td>
                  <td>{m.role}</td>
                  <td class="wrap">{m.role === "owner" ? "all (owner)" : m.permissions.join(", ") || "—"}</td>
                  <td>{formatTime(m.created_at)}</td>
                  <td class="actions">
                    <PostForm action={`${base}/members/${m.id}/tokens`}>
                      <button type="submit">Issue token</button>
                    </PostForm>
                    <DangerForm
                      action={`${base}/members/${m.id}/revoke-tokens`}
                      confirm={`Revoke every token of ${m.email}?`}
                      label="Revoke tokens"
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <details>
          <summary>Add a member</summary>
          <PostForm action={`${base}/members`} once>
            <label>
              Email
              <input type="email" name="email" required maxlength={254} />
            </label>
            <label>
              Role
              <select name="role">
                {MEMBER_ROLES.map((r) => (
                  <option value={r}>{r}</option>
                ))}
              </select>
            </label>
            <fieldset>
              <legend>Staff permissions</legend>
              {MEMBER_PERMISSIONS.map((p) => (
                <label class="check">
                  <input type="checkbox" name="permissions" value={p} /> {p}
                </label>
              ))}
            </fieldset>
            <button type="submit">Add member</button>
          </PostForm>
        </details>
      </section>

      <section class="card" aria-labelledby="clients-h">
        <h2 id="clients-h">OAuth clients</h2>
        {w.oauth_clients.length === 0 ? (
          <p class="muted">No OAuth client yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Client id</th>
                <th>Scopes</th>
                <th>Created</th>
                <th>Revoked</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {w.oauth_clients.map((o) => (
                <tr>
                  <td>{o.name}</td>
                  <td class="mono">{o.client_id}</td>
                  <td>{o.scopes.join(", ")}</td>
                  <td>{formatTime(o.created_at)}</td>
                  <td>{formatTime(o.revoked_at)}</td>
                  <td>
                    {!o.revoked_at && (
                      <DangerForm
                        action={`${base}/oauth-clients/${encodeURIComponent(o.client_id)}/revoke`}
                        confirm={`Revoke the OAuth client ${o.name}?`}
                        label="Revoke"
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <details>
          <summary>Create an OAuth client</summary>
          <PostForm action={`${base}/oauth-clients`} once>
            <label>
              Name
              <input name="name" required maxlength={200} />
            </label>
            <fieldset>
              <legend>Scopes</legend>
              {OAUTH_SCOPES.map((s) => (
                <label class="check">
                  <input type="checkbox" name="scopes" value={s} /> {s}
                </label>
              ))}
            </fieldset>
            <button type="submit">Create client</button>
          </PostForm>
        </details>
      </section>

      <section class="card" aria-labelledby="deliveries-h">
        <h2 id="deliveries-h">Outbound webhooks</h2>
        {deliveries.length === 0 ? (
          <p class="muted">No webhook sent yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Event</th>
                <th>URL</th>
                <th>Status</th>
                <th class="num">Attempts</th>
                <th>Last error</th>
                <th>Next attempt</th>
                <th>Created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr>
                  <td>{d.event_type}</td>
                  <td class="wrap">{d.url}</td>
                  <td>
                    <span class={`badge ${d.status}`}>{d.status}</span>
                  </td>
                  <td class="num">{d.attempts}</td>
                  <td class="wrap">{d.last_error ?? "—"}</td>
                  <td>{d.status === "pending" && d.attempts === 0 ? "queued" : formatTime(d.next_attempt_at)}</td>
                  <td>{formatTime(d.created_at)}</td>
                  <td>
                    {d.status !== "delivered" && <RetryDeliveryForm action={`${base}/deliveries/${d.id}/retry`} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Layout>
  );
}
