/** @jsxImportSource hono/jsx */
// The back office (/portal): server-rendered pages over the admin API for the people who run the
// accounts. Plain HTML forms (Post/Redirect/Get), a signed session cookie, CSRF checks on every form,
// secure headers with a strict CSP. Every read and write goes through the admin routes (admin-client).
import { z } from "@hono/zod-openapi";
import { type Context, Hono } from "hono";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  createAccount,
  getAccount,
  getBalanceHistory,
  listAccounts,
  updateAccountStatus,
} from "../apis/admin/accounts/routes";
import { createApiKey, listApiKeys, revokeWorkspaceApiKey } from "../apis/admin/api-keys/routes";
import { approveApproval, listApprovals, rejectApproval } from "../apis/admin/approvals/routes";
import { listAuditEvents } from "../apis/admin/audit/routes";
import { listDeliveries, retryDelivery } from "../apis/admin/deliveries/routes";
import { csvNumber, csvText } from "../apis/admin/entries/csv";
import { createAdjustment, exportEntries, listEntries } from "../apis/admin/entries/routes";
import { getGatewayStatus, putGatewayStatus } from "../apis/admin/gateway/routes";
import { getLedgerTransaction, getTrialBalance, listSystemAccountEntries } from "../apis/admin/ledger/routes";
import {
  createMember,
  createWorkspaceMemberToken,
  listMembers,
  revokeWorkspaceMemberTokens,
} from "../apis/admin/members/routes";
import { createOAuthClient, listOAuthClients, revokeOAuthClient } from "../apis/admin/oauth-clients/routes";
import { getOverview } from "../apis/admin/overview/routes";
import { listUpstreamClearing } from "../apis/admin/upstreams/routes";
import { createWorkspace, getWorkspace, listWorkspaces } from "../apis/admin/workspaces/routes";
import { ACCESS_HEADER, accessConfigured, verifyAccessToken } from "../auth/access";
import { bootstrapEnabled } from "../auth/admin";
import type { AppEnv } from "../env";
import { timingSafeEqualStrings } from "../lib/crypto";
import { type AdminFailure, adminClient, adminError, type Dispatch } from "./admin-client";
import { doneNoticeOf } from "./notices";
import { mountReconciliationPages } from "./reconciliation-pages";
import { clearSessionCookie, hasSession, newSessionToken, readSession, setSessionCookie } from "./session";
import { AccountPage, type EntryFilters, StatusConfirmPage } from "./views/account";
import { ApprovalsPage, type AuditFilters, AuditPage, LastActions, PendingApprovals } from "./views/audit";
import { Layout } from "./views/layout";
import { LedgerPage, SystemAccountPage, TransactionPage } from "./views/ledger";
import { OverviewPage } from "./views/overview";
import { SignInPage } from "./views/sign-in";
import { type ShownSecret, WorkspacePage } from "./views/workspace";
import { WorkspacesPage } from "./views/workspaces";

type C = Context<AppEnv>;

/** Fixed texts for ?done=…: a link can only show one of these, never text of its own. */
const DONE = {
  posted: "Adjustment posted.",
  gateway: "Gateway state set.",
  "account-created": "Account created.",
  "key-revoked": "API key revoked: it stops working at once.",
  "member-added": "Member added.",
  "tokens-revoked": "Every token of that member was revoked.",
  "client-revoked": "OAuth client revoked.",
  retried: "Webhook queued for delivery now.",
  status: "Account status changed.",
  "approval-requested": "The adjustment is at or above the approval threshold: it waits for a second operator.",
  approved: "Approved: the adjustment is posted.",
  rejected: "Rejected: nothing was posted.",
} as const;
const doneNotice = doneNoticeOf(DONE);
/** A query value as the admin API should see it: an empty one is left out. */
const given = (value: string | undefined) => value || undefined;

/** Pages of 200 audit rows one CSV export holds at most. */
const AUDIT_CSV_PAGES = 25;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How often, and how long apart, a double-submitted adjustment waits for the first one to finish. */
const IN_FLIGHT_RETRIES = 25;
const IN_FLIGHT_WAIT_MS = 200;

const CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

/** Where sign-in may send the browser next: a portal path only (no open redirect). */
const safeNext = (next: unknown) =>
  typeof next === "string" && /^\/portal(\/[\w\-./?=&%]*)?$/.test(next) && !next.includes("//") ? next : "/portal";

/**
 * The ids a portal address may carry, checked before a page or form does anything: an id with a newline
 * or a slash in it would reach the admin API changed (URL parsing drops tabs and newlines) and then break
 * the redirect's Location header, after the write was done.
 */
const ADDRESS_ID = z.uuid();
const ADDRESS_TOKEN = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);
const AddressIds = z.object({
  id: ADDRESS_ID,
  keyId: ADDRESS_ID,
  memberId: ADDRESS_ID,
  clientId: ADDRESS_TOKEN,
  deliveryId: ADDRESS_TOKEN,
});
const ADDRESS_PATTERNS = [
  "/workspaces/:id/*",
  "/accounts/:id/*",
  "/workspaces/:id/api-keys/:keyId/*",
  "/workspaces/:id/members/:memberId/*",
  "/workspaces/:id/oauth-clients/:clientId/*",
  "/workspaces/:id/deliveries/:deliveryId/*",
];

const formValue = (v: unknown) => (typeof v === "string" ? v.trim() : "");
const formList = (v: unknown) =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x) => typeof x === "string");

function page(c: C, status: ContentfulStatusCode, title: string, message: string) {
  return c.html(
    <Layout title={title} error={message}>
      <h1>{title}</h1>
      <p>
        <a href="/portal">Back to the overview</a>
      </p>
    </Layout>,
    status,
  );
}

export function createPortal(dispatch: Dispatch) {
  const portal = new Hono<AppEnv>();
  const { call: admin, raw } = adminClient(dispatch);

  portal.use("*", secureHeaders({ contentSecurityPolicy: CSP, referrerPolicy: "same-origin" }));
  portal.use("*", async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
  });
  // Forms only: anything else posted here is refused before the CSRF check (which looks at forms).
  portal.use("*", async (c, next) => {
    if (
      c.req.method === "POST" &&
      !/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(c.req.header("content-type") ?? "")
    ) {
      return page(c, 415, "Unsupported request", "The back office takes HTML form posts only.");
    }
    await next();
  });
  portal.use("*", csrf());
  portal.use("*", async (c, next) => {
    // Behind Cloudflare Access, the verified assertion is the sign-in; the admin calls carry it along.
    const assertion = c.req.header(ACCESS_HEADER);
    if (assertion && accessConfigured(c.env) && (await verifyAccessToken(c.env, assertion))) {
      c.set("adminAuth", { [ACCESS_HEADER]: assertion });
      return next();
    }
    const session = c.req.path === "/portal/sign-in" ? null : await readSession(c);
    if (session?.operatorToken) c.set("adminAuth", { authorization: `Bearer ${session.operatorToken}` });
    if (c.req.path === "/portal/sign-in" || session) return next();
    const target = c.req.method === "GET" ? c.req.path + new URL(c.req.url).search : "/portal";
    return c.redirect(`/portal/sign-in?${new URLSearchParams({ next: target })}`, c.req.method === "GET" ? 302 : 303);
  });
  for (const pattern of ADDRESS_PATTERNS) {
    portal.use(pattern, async (c, next) => {
      const checked = AddressIds.partial().safeParse(c.req.param());
      if (!checked.success) return page(c, 400, "Bad address", "This address holds a malformed id.");
      await next();
    });
  }
  portal.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    console.error(JSON.stringify({ portal: c.req.path, error: String(err).slice(0, 500) }));
    return page(c, 500, "Something went wrong", `The page failed (request ${c.get("requestId")}). Try again.`);
  });

  // --- Sign-in -------------------------------------------------------------------------------
  portal.get("/sign-in", async (c) => {
    if (await hasSession(c)) return c.redirect(safeNext(c.req.query("next")), 302);
    return c.html(<SignInPage next={safeNext(c.req.query("next"))} />);
  });

  portal.post("/sign-in", async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(form.next);
    const expected = c.env.ADMIN_TOKEN ?? "";
    const given = formValue(form.token);
    // Every attempt counts, and the limiter decides before the token is compared: past the limit even the
    // right token is refused, so the answer tells nothing about the guess.
    const { success } = await c.env.PORTAL_SIGNIN_LIMITER.limit({ key: c.req.header("cf-connecting-ip") ?? "local" });
    if (!success) {
      c.header("Retry-After", "60");
      return c.html(
        <SignInPage next={next} error="Too many sign-in attempts from this address: wait a minute." />,
        429,
      );
    }
    // The session token is made before the comparison, so a wrong token costs at least what a right one does.
    const session = await newSessionToken(expected);
    if (expected && bootstrapEnabled(c.env) && timingSafeEqualStrings(given, expected)) {
      setSessionCookie(c, session);
      return c.redirect(next, 303);
    }
    // An operator's token: the admin API says whether it names an enabled operator.
    if (expected && /^op_[0-9A-Za-z]{40}$/.test(given)) {
      c.set("adminAuth", { authorization: `Bearer ${given}` });
      if ((await admin(c, getOverview)).ok) {
        setSessionCookie(c, await newSessionToken(expected, Date.now(), given));
        return c.redirect(next, 303);
      }
    }
    return c.html(<SignInPage next={next} error="That is not the admin token or an operator's token." />, 401);
  });

  portal.post("/sign-out", (c) => {
    clearSessionCookie(c);
    return c.redirect("/portal/sign-in", 303);
  });

  // --- Reconciliations, upstream health, payment lookup (issue 20) -----------------------------
  mountReconciliationPages(portal, { call: admin, raw }, page);

  // --- Overview ------------------------------------------------------------------------------
  const overviewPage = async (c: C, extra: { notice?: string; error?: string; status?: ContentfulStatusCode } = {}) => {
    const [gateway, figures, trial, clearing, pending, actions] = await Promise.all([
      admin(c, getGatewayStatus),
      admin(c, getOverview),
      admin(c, getTrialBalance),
      admin(c, listUpstreamClearing),
      admin(c, listApprovals, { query: { status: "pending", limit: "20" } }),
      admin(c, listAuditEvents, { query: { limit: "10" } }),
    ]);
    if (!gateway.ok) return page(c, gateway.status, "Overview unavailable", gateway.message);
    if (!figures.ok) return page(c, figures.status, "Overview unavailable", figures.message);
    if (!trial.ok) return page(c, trial.status, "Overview unavailable", trial.message);
    if (!clearing.ok) return page(c, clearing.status, "Overview unavailable", clearing.message);
    return c.html(
      <OverviewPage
        gateway={gateway.body}
        overview={figures.body}
        trial={trial.body}
        clearing={clearing.body}
        notice={extra.notice}
        error={extra.error}
      >
        <PendingApprovals approvals={pending.ok ? pending.body.approvals : []} />
        <LastActions events={actions.ok ? actions.body.audit_events : []} />
      </OverviewPage>,
      extra.status ?? 200,
    );
  };

  portal.get("/", (c) => overviewPage(c, { notice: doneNotice(c) }));

  portal.post("/gateway-status", async (c) => {
    const form = await c.req.parseBody();
    const reason = formValue(form.reason);
    const res = await admin(c, putGatewayStatus, {
      json: { status: formValue(form.status), ...(reason ? { reason } : {}) },
    });
    if (!res.ok) return overviewPage(c, { error: res.message, status: res.status });
    return c.redirect("/portal?done=gateway", 303);
  });

  // --- Ledger --------------------------------------------------------------------------------
  portal.get("/ledger", async (c) => {
    const trial = await admin(c, getTrialBalance);
    if (!trial.ok) return page(c, trial.status, "Ledger", trial.message);
    return c.html(<LedgerPage trial={trial.body} />);
  });

  portal.get("/ledger/system-accounts/:code", async (c) => {
    const code = c.req.param("code");
    const currency = c.req.query("currency") ?? "";
    const entries = await admin(c, listSystemAccountEntries, {
      params: { code },
      query: { currency, limit: "50", cursor: given(c.req.query("cursor")) },
    });
    if (!entries.ok) return page(c, entries.status, "System account", entries.message);
    return c.html(<SystemAccountPage code={code} currency={currency} entries={entries.body} />);
  });

  portal.get("/ledger/transactions/:id", async (c) => {
    const id = c.req.param("id");
    if (!/^[1-9]\d{0,15}$/.test(id)) return page(c, 400, "Transaction", "A transaction id is a positive integer.");
    const tx = await admin(c, getLedgerTransaction, { params: { transaction_id: id } });
    if (!tx.ok) return page(c, tx.status, "Transaction", tx.message);
    return c.html(<TransactionPage tx={tx.body} />);
  });

  // --- Workspaces ----------------------------------------------------------------------------
  const workspacesPage = async (c: C, error?: string, status: ContentfulStatusCode = 200) => {
    const q = (c.req.query("q") ?? "").trim();
    const list = await admin(c, listWorkspaces, {
      query: { limit: "50", q: given(q), cursor: given(c.req.query("cursor")) },
    });
    if (!list.ok) return page(c, list.status, "Workspaces", list.message);
    return c.html(<WorkspacesPage list={list.body} q={q} error={error} />, status);
  };

  portal.get("/workspaces", (c) => workspacesPage(c));

  portal.post("/workspaces", async (c) => {
    const form = await c.req.parseBody();
    const res = await admin(c, createWorkspace, { json: { name: formValue(form.name) } });
    if (!res.ok) return workspacesPage(c, res.message, res.status);
    return c.redirect(`/portal/workspaces/${res.body.id}`, 303);
  });

  const workspacePage = async (
    c: C,
    workspaceId: string,
    extra: { notice?: string; error?: string; secret?: ShownSecret; status?: ContentfulStatusCode } = {},
  ) => {
    const params = { workspace_id: workspaceId };
    /** One page of a sub-list, at the cursor its own query parameter holds. */
    const listQuery = (name: string) => ({ limit: "50", cursor: given(c.req.query(name)) });
    const [workspace, accounts, deliveries, keys, members, clients, actions] = await Promise.all([
      admin(c, getWorkspace, { params }),
      admin(c, listAccounts, { params, query: listQuery("accounts") }),
      admin(c, listDeliveries, { params }),
      admin(c, listApiKeys, { params, query: listQuery("keys") }),
      admin(c, listMembers, { params, query: listQuery("members") }),
      admin(c, listOAuthClients, { params, query: listQuery("clients") }),
      admin(c, listAuditEvents, { query: { workspace_id: workspaceId, limit: "10" } }),
    ]);
    if (!workspace.ok || !accounts.ok || !deliveries.ok || !keys.ok || !members.ok || !clients.ok) {
      const failed = [workspace, accounts, deliveries, keys, members, clients].find((r) => !r.ok);
      return page(c, failed?.status ?? 500, "Workspace", failed && !failed.ok ? failed.message : "Unavailable");
    }
    const kept = Object.fromEntries(
      ["accounts", "keys", "members", "clients"].flatMap((name) => {
        const value = c.req.query(name);
        return value ? [[name, value]] : [];
      }),
    );
    return c.html(
      <WorkspacePage
        workspace={workspace.body}
        accounts={accounts.body}
        deliveries={deliveries.body.deliveries}
        keys={keys.body}
        members={members.body}
        clients={clients.body}
        query={kept}
        lastActions={actions.ok ? actions.body.audit_events : []}
        secret={extra.secret}
        notice={extra.notice}
        error={extra.error}
      />,
      extra.status ?? 200,
    );
  };

  /** After a workspace form: back to its page with a fixed notice, or the page again with the error. */
  const afterWorkspaceForm = (c: C, workspaceId: string, res: { ok: true } | AdminFailure, done: keyof typeof DONE) =>
    res.ok
      ? c.redirect(`/portal/workspaces/${workspaceId}?done=${done}`, 303)
      : workspacePage(c, workspaceId, { error: res.message, status: res.status });

  portal.get("/workspaces/:id", (c) => workspacePage(c, c.req.param("id"), { notice: doneNotice(c) }));

  portal.post("/workspaces/:id/accounts", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody();
    const overdraft = formValue(form.overdraft_limit);
    const res = await admin(c, createAccount, {
      params: { workspace_id: id },
      json: {
        currency: formValue(form.currency).toUpperCase(),
        status: formValue(form.status) || "active",
        ...(overdraft ? { overdraft_limit: overdraft } : {}),
      },
    });
    return afterWorkspaceForm(c, id, res, "account-created");
  });

  portal.post("/workspaces/:id/api-keys", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody({ all: true });
    const accountId = formValue(form.account_id);
    const res = await admin(c, createApiKey, {
      params: { workspace_id: id },
      json: {
        permissions: formList(form.permissions),
        mode: formValue(form.mode) || "test",
        ...(accountId ? { account_id: accountId } : {}),
      },
    });
    if (!res.ok) return workspacePage(c, id, { error: res.message, status: res.status });
    return workspacePage(c, id, {
      status: 201,
      secret: { title: `API key ${res.body.prefix}…`, value: res.body.key, note: res.body.permissions.join(", ") },
    });
  });

  portal.post("/workspaces/:id/api-keys/:keyId/revoke", async (c) => {
    const { id, keyId } = c.req.param();
    // The workspace-scoped route: the tenant check is in the admin API's SQL.
    const res = await admin(c, revokeWorkspaceApiKey, { params: { workspace_id: id, id: keyId } });
    return afterWorkspaceForm(c, id, res, "key-revoked");
  });

  portal.post("/workspaces/:id/members", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody({ all: true });
    const role = formValue(form.role);
    const res = await admin(c, createMember, {
      params: { workspace_id: id },
      json: {
        email: formValue(form.email),
        role,
        ...(role === "staff" ? { permissions: formList(form.permissions) } : {}),
      },
    });
    return afterWorkspaceForm(c, id, res, "member-added");
  });

  portal.post("/workspaces/:id/members/:memberId/tokens", async (c) => {
    const { id, memberId } = c.req.param();
    const res = await admin(c, createWorkspaceMemberToken, { params: { workspace_id: id, id: memberId }, json: {} });
    if (!res.ok) return workspacePage(c, id, { error: res.message, status: res.status });
    return workspacePage(c, id, {
      status: 201,
      secret: { title: "Member token", value: res.body.token, note: `Expires ${res.body.expires_at}.` },
    });
  });

  portal.post("/workspaces/:id/members/:memberId/revoke-tokens", async (c) => {
    const { id, memberId } = c.req.param();
    const res = await admin(c, revokeWorkspaceMemberTokens, { params: { workspace_id: id, id: memberId } });
    return afterWorkspaceForm(c, id, res, "tokens-revoked");
  });

  portal.post("/workspaces/:id/oauth-clients", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody({ all: true });
    const res = await admin(c, createOAuthClient, {
      params: { workspace_id: id },
      json: { name: formValue(form.name), scopes: formList(form.scopes) },
    });
    if (!res.ok) return workspacePage(c, id, { error: res.message, status: res.status });
    return workspacePage(c, id, {
      status: 201,
      secret: {
        title: `OAuth client ${res.body.client_id}`,
        value: res.body.client_secret,
        note: "The client secret.",
      },
    });
  });

  portal.post("/workspaces/:id/oauth-clients/:clientId/revoke", async (c) => {
    const { id, clientId } = c.req.param();
    const res = await admin(c, revokeOAuthClient, { params: { workspace_id: id, client_id: clientId } });
    return afterWorkspaceForm(c, id, res, "client-revoked");
  });

  portal.post("/workspaces/:id/deliveries/:deliveryId/retry", async (c) => {
    const { id, deliveryId } = c.req.param();
    const res = await admin(c, retryDelivery, { params: { workspace_id: id, delivery_id: deliveryId } });
    return afterWorkspaceForm(c, id, res, "retried");
  });

  // --- Accounts ------------------------------------------------------------------------------
  const filtersOf = (c: C): EntryFilters => {
    const pick = (name: string) => c.req.query(name) || undefined;
    return { source: pick("source"), type: pick("type"), from: pick("from"), to: pick("to") };
  };

  const accountPage = async (
    c: C,
    accountId: string,
    extra: { notice?: string; error?: string; status?: ContentfulStatusCode } = {},
  ) => {
    const filters = filtersOf(c);
    const params = { account_id: accountId };
    const [account, history, entries, pending, actions] = await Promise.all([
      admin(c, getAccount, { params }),
      admin(c, getBalanceHistory, { params, query: { from: filters.from, to: filters.to } }),
      admin(c, listEntries, { params, query: { ...filters, cursor: given(c.req.query("cursor")), limit: "50" } }),
      admin(c, listApprovals, { query: { status: "pending", account_id: accountId, limit: "20" } }),
      admin(c, listAuditEvents, { query: { account_id: accountId, limit: "10" } }),
    ]);
    if (!account.ok) return page(c, account.status, "Account", account.message);
    if (!history.ok) return page(c, history.status, "Account", history.message);
    if (!entries.ok) return page(c, entries.status, "Account", entries.message);
    return c.html(
      <AccountPage
        account={account.body}
        history={history.body}
        entries={entries.body}
        filters={filters}
        idempotencyKey={crypto.randomUUID()}
        notice={extra.notice}
        error={extra.error}
      >
        <PendingApprovals
          title="Adjustments waiting for approval"
          approvals={pending.ok ? pending.body.approvals : []}
        />
        <LastActions events={actions.ok ? actions.body.audit_events : []} />
      </AccountPage>,
      extra.status ?? 200,
    );
  };

  portal.get("/accounts/:id", (c) => accountPage(c, c.req.param("id"), { notice: doneNotice(c) }));

  portal.get("/accounts/:id/status", async (c) => {
    const to = c.req.query("to");
    if (to !== "active" && to !== "suspended") return page(c, 400, "Account", "to must be active or suspended");
    const account = await admin(c, getAccount, { params: { account_id: c.req.param("id") } });
    if (!account.ok) return page(c, account.status, "Account", account.message);
    return c.html(<StatusConfirmPage account={account.body} to={to} />);
  });

  portal.post("/accounts/:id/status", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody();
    const res = await admin(c, updateAccountStatus, {
      params: { account_id: id },
      json: { status: formValue(form.status) },
    });
    if (!res.ok) return accountPage(c, id, { error: res.message, status: res.status });
    return c.redirect(`/portal/accounts/${id}?done=status`, 303);
  });

  portal.post("/accounts/:id/adjustments", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody();
    const post = () =>
      admin(c, createAdjustment, {
        params: { account_id: id },
        json: { amount: formValue(form.amount), description: formValue(form.description) },
        headers: { "idempotency-key": formValue(form.idempotency_key) },
      });
    // A double submit carries the same Idempotency-Key: while the first is running the admin API says 409;
    // wait for it, then the replay answers like the first and the browser lands on the same page.
    let res = await post();
    for (let i = 0; !res.ok && res.status === 409 && i < IN_FLIGHT_RETRIES; i++) {
      await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_WAIT_MS));
      res = await post();
    }
    if (!res.ok) return accountPage(c, id, { error: res.message, status: res.status });
    return c.redirect(`/portal/accounts/${id}?done=${res.status === 202 ? "approval-requested" : "posted"}`, 303);
  });

  portal.get("/accounts/:id/entries.csv", async (c) => {
    const res = await raw(c, exportEntries, { params: { account_id: c.req.param("id") }, query: filtersOf(c) });
    if (res.status >= 400) {
      const { status, message } = await adminError(res);
      return page(c, status, "Export", message);
    }
    return new Response(res.body, {
      status: 200,
      headers: {
        "content-type": res.headers.get("content-type") ?? "text/csv",
        "content-disposition": res.headers.get("content-disposition") ?? "attachment",
        "cache-control": "no-store",
      },
    });
  });

  // --- Approvals -----------------------------------------------------------------------------
  const approvalsPage = async (
    c: C,
    extra: { notice?: string; error?: string; status?: ContentfulStatusCode } = {},
  ) => {
    const list = await admin(c, listApprovals, { query: { status: "pending", limit: "200" } });
    if (!list.ok) return page(c, list.status, "Approvals", list.message);
    return c.html(
      <ApprovalsPage approvals={list.body.approvals} notice={extra.notice} error={extra.error} />,
      extra.status ?? 200,
    );
  };

  portal.get("/approvals", (c) => approvalsPage(c, { notice: doneNotice(c) }));

  portal.post("/approvals/:id/:decision{approve|reject}", async (c) => {
    const { id, decision } = c.req.param();
    if (!UUID_PATTERN.test(id)) return page(c, 404, "Approvals", "No such approval request.");
    const form = await c.req.parseBody();
    const note = formValue(form.note);
    const res =
      decision === "approve"
        ? await admin(c, approveApproval, { params: { id } })
        : await admin(c, rejectApproval, { params: { id }, json: note ? { note } : {} });
    if (!res.ok) return approvalsPage(c, { error: res.message, status: res.status });
    return c.redirect(`/portal/approvals?done=${decision === "approve" ? "approved" : "rejected"}`, 303);
  });

  // --- Audit trail ---------------------------------------------------------------------------
  const auditFilters = (c: C): AuditFilters => {
    const pick = (name: string) => (c.req.query(name) ?? "").trim() || undefined;
    return { actor: pick("actor"), action: pick("action"), target: pick("target"), from: pick("from"), to: pick("to") };
  };

  portal.get("/audit", async (c) => {
    const filters = auditFilters(c);
    const list = await admin(c, listAuditEvents, {
      query: { ...filters, cursor: given(c.req.query("cursor")), limit: "50" },
    });
    if (!list.ok) return page(c, list.status, "Audit trail", list.message);
    return c.html(<AuditPage list={list.body} filters={filters} />);
  });

  /** The filtered trail as CSV: up to AUDIT_CSV_PAGES pages of 200 rows, newest first. */
  portal.get("/audit.csv", async (c) => {
    const filters = auditFilters(c);
    const header = [
      "id",
      "occurred_at",
      "actor_id",
      "actor_email",
      "action",
      "target_type",
      "target_id",
      "amount",
      "currency",
      "before",
      "after",
      "request_id",
      "client_ip",
    ];
    const lines = [header.join(",")];
    let cursor: string | undefined;
    for (let i = 0; i < AUDIT_CSV_PAGES; i++) {
      const list = await admin(c, listAuditEvents, { query: { ...filters, cursor, limit: "200" } });
      if (!list.ok) return page(c, list.status, "Audit trail", list.message);
      for (const e of list.body.audit_events) {
        lines.push(
          [
            csvNumber(e.id),
            csvText(e.occurred_at),
            csvText(e.actor.id),
            csvText(e.actor.email),
            csvText(e.action),
            csvText(e.target.type),
            csvText(e.target.id),
            e.amount === null ? "" : csvNumber(e.amount),
            csvText(e.currency),
            csvText(e.before && JSON.stringify(e.before)),
            csvText(e.after && JSON.stringify(e.after)),
            csvText(e.request_id),
            csvText(e.client_ip),
          ].join(","),
        );
      }
      cursor = list.body.next_cursor ?? undefined;
      if (!cursor) break;
    }
    return c.body(`${lines.join("\r\n")}\r\n`, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="audit-events.csv"',
    });
  });

  portal.all("*", (c) => page(c, 404, "Not found", "No such page in the back office."));
  return portal;
}
