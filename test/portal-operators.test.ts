// The back office as named operators: sign-in with an operator token, actions recorded under their name,
// four eyes through the approvals page, the audit page with its filters and CSV, and a workspace page
// that pages its keys so the oldest key of a large workspace can be revoked.
import { describe, expect, it } from "vitest";
import { createOperator } from "./fixtures/operators";
import { adminCall, createAccount, createKey, createWorkspace, expectStatus, ledgerInvariant, routes } from "./helpers";
import { inputValue, portal, signIn } from "./portal-helpers";

describe("back office: operators", () => {
  it("signs in with an operator's token and records the operator on what it does", async () => {
    const op = await createOperator("operator");
    const cookie = await signIn(op.token);
    const acct = await createAccount((await createWorkspace()).id);
    const form = await portal(`/portal/accounts/${acct.id}`, { cookie });
    const res = await portal(`/portal/accounts/${acct.id}/adjustments`, {
      cookie,
      form: { amount: "10.00", description: "by ana", idempotency_key: inputValue(form.text, "idempotency_key") ?? "" },
    });
    expect(res.status).toBe(303);
    const trail = expectStatus(
      await adminCall(routes.audit.listAuditEvents, { query: { account_id: acct.id, action: "adjustment.post" } }),
      200,
    );
    expect(trail.audit_events.map((e) => e.actor.email)).toEqual([op.email]);
    expect((await portal("/portal/sign-in", { form: { token: `op_${"x".repeat(40)}`, next: "/portal" } })).status).toBe(
      401,
    );
  });

  it("holds a large adjustment for approval, and an approver approves it from the approvals page", async () => {
    const maker = await createOperator("operator");
    const checker = await createOperator("approver");
    const acct = await createAccount((await createWorkspace()).id);
    const makerCookie = await signIn(maker.token);
    const form = await portal(`/portal/accounts/${acct.id}`, { cookie: makerCookie });
    const posted = await portal(`/portal/accounts/${acct.id}/adjustments`, {
      cookie: makerCookie,
      form: { amount: "5000", description: "large", idempotency_key: inputValue(form.text, "idempotency_key") ?? "" },
    });
    expect(posted.headers.get("location")).toBe(`/portal/accounts/${acct.id}?done=approval-requested`);
    expect(await ledgerInvariant(acct.id)).toMatchObject({ count: 0 });
    const accountPage = await portal(`/portal/accounts/${acct.id}`, { cookie: makerCookie });
    expect(accountPage.text).toContain("Adjustments waiting for approval");
    const id = /data-approval-id="([^"]+)"/.exec(accountPage.text)?.[1];
    expect(id).toBeDefined();
    // The requester cannot approve it from the page either.
    const own = await portal(`/portal/approvals/${id}/approve`, { cookie: makerCookie, form: {} });
    expect(own.status).toBe(403);

    const checkerCookie = await signIn(checker.token);
    expect((await portal("/portal/approvals", { cookie: checkerCookie })).text).toContain(`data-approval-id="${id}"`);
    const approved = await portal(`/portal/approvals/${id}/approve`, { cookie: checkerCookie, form: {} });
    expect(approved.headers.get("location")).toBe("/portal/approvals?done=approved");
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "5000.0000", count: 1 });

    const audit = await portal(`/portal/audit?${new URLSearchParams({ target: id ?? "" })}`, { cookie: checkerCookie });
    expect(audit.text).toContain(maker.email);
    expect(audit.text).toContain(checker.email);
    expect(audit.text).toContain("approval.approve");
    const csv = await portal(`/portal/audit.csv?${new URLSearchParams({ target: id ?? "" })}`, {
      cookie: checkerCookie,
    });
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const rows = csv.text.trim().split("\r\n");
    expect(rows[0]).toBe(
      "id,occurred_at,actor_id,actor_email,action,target_type,target_id,amount,currency,before,after,request_id,client_ip",
    );
    expect(rows.slice(1).map((r) => r.split(",")[4])).toEqual([`"approval.approve"`, `"approval.request"`]);
  });

  it("pages a workspace's keys so that its 101st (oldest) key can be revoked from the page", async () => {
    const ws = await createWorkspace("many keys");
    const oldest = await createKey(ws.id, { permissions: ["payments.read"] });
    for (let i = 0; i < 100; i++) await createKey(ws.id, { permissions: ["payments.read"] });
    const cookie = await signIn();
    const first = await portal(`/portal/workspaces/${ws.id}`, { cookie });
    expect(first.text).not.toContain(`data-key-id="${oldest.id}"`);
    let next = /href="([^"]+)"[^>]*data-testid="more-keys"/.exec(first.text)?.[1]?.replaceAll("&amp;", "&");
    let found = false;
    for (let i = 0; i < 5 && next && !found; i++) {
      const pageHtml = (await portal(next, { cookie })).text;
      found = pageHtml.includes(`data-key-id="${oldest.id}"`);
      next = /href="([^"]+)"[^>]*data-testid="more-keys"/.exec(pageHtml)?.[1]?.replaceAll("&amp;", "&");
    }
    expect(found).toBe(true);
    const res = await portal(`/portal/workspaces/${ws.id}/api-keys/${oldest.id}/revoke`, { cookie, form: {} });
    expect(res.status).toBe(303);
    const revoked = expectStatus(
      await adminCall(routes.apiKeys.listApiKeys, { params: { workspace_id: ws.id }, query: { limit: "100" } }),
      200,
    );
    expect(revoked.api_keys.some((k) => k.id === oldest.id)).toBe(false); // past the first page
    const trail = expectStatus(
      await adminCall(routes.audit.listAuditEvents, { query: { target: oldest.id, action: "api_key.revoke" } }),
      200,
    );
    expect(trail.audit_events).toHaveLength(1);
    // Another workspace's key is not revoked through this workspace's page.
    const other = await createKey((await createWorkspace()).id, { permissions: ["payments.read"] });
    expect((await portal(`/portal/workspaces/${ws.id}/api-keys/${other.id}/revoke`, { cookie, form: {} })).status).toBe(
      404,
    );
  });
});
