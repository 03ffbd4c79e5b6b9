// Four eyes: a named operator's adjustment at or above ADJUSTMENT_APPROVAL_THRESHOLD (default 1000 in
// every currency) does not post; another approver posts it exactly once, whatever the races.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../functions/index";
import { callAs, createOperator, type TestOperator } from "./fixtures/operators";
import {
  adminCall,
  assertStatus,
  createAccount,
  createWorkspace,
  expectStatus,
  ledgerInvariant,
  query,
  routes,
  sql,
} from "./helpers";

let maker: TestOperator;
let checker: TestOperator;
let viewer: TestOperator;

beforeAll(async () => {
  maker = await createOperator("operator");
  checker = await createOperator("approver");
  viewer = await createOperator("viewer");
});

/** One run of the Cron Trigger's work. */
async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function freshAccount(currency = "EUR") {
  const ws = await createWorkspace();
  return createAccount(ws.id, { currency });
}

const adjustAs = (operator: TestOperator, accountId: string, amount: string, description: string) =>
  callAs(operator, routes.entries.createAdjustment, {
    params: { account_id: accountId },
    json: { amount, description },
  });
const approve = (operator: TestOperator, id: string) =>
  callAs(operator, routes.approvals.approveApproval, { params: { id } });
const approvals = (operator: TestOperator, status: "pending" | "expired", accountId: string) =>
  callAs(operator, routes.approvals.listApprovals, { query: { status, account_id: accountId } });

const request = async (accountId: string, amount: string) =>
  expectStatus(await adjustAs(maker, accountId, amount, "large"), 202).approval;

describe("four eyes on adjustments", () => {
  it("posts 999.99 at once and holds 1000.00 and -1000 for approval, posting nothing", async () => {
    const acct = await freshAccount();
    const below = await adjustAs(maker, acct.id, "999.99", "b");
    assertStatus(below, 201);
    expect(below.json.amount).toBe(999.99);
    for (const amount of ["1000.00", "-1000"]) {
      const res = await adjustAs(maker, acct.id, amount, "big");
      expect(res.status, amount).toBe(202);
      assertStatus(res, 202);
      expect(Object.keys(res.json)).toEqual(["approval"]);
      expect(res.json.approval).toMatchObject({
        status: "pending",
        account_id: acct.id,
        amount: Number(amount),
        currency: "EUR",
        description: "big",
        requested_by: { id: maker.id, email: maker.email },
        decided_by: null,
        entry_id: null,
      });
      expect(Date.parse(res.json.approval.expires_at) - Date.parse(res.json.approval.created_at)).toBe(7 * 86_400_000);
    }
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "999.9900", count: 1 });
    const pending = expectStatus(await approvals(viewer, "pending", acct.id), 200);
    expect(pending.approvals.map((a) => a.amount)).toEqual([-1000, 1000]);
  });

  it("lets the bootstrap token post above the threshold directly (set-up and break-glass)", async () => {
    const acct = await freshAccount();
    const res = await adminCall(routes.entries.createAdjustment, {
      params: { account_id: acct.id },
      json: { amount: "50000.00", description: "seed" },
    });
    assertStatus(res, 201);
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "50000.0000", count: 1 });
  });

  it("refuses the requester's own approval (403) and posts nothing", async () => {
    const acct = await freshAccount();
    const approval = await request(acct.id, "1500");
    const requesterAsApprover = await createOperator("approver");
    const own = await adjustAs(requesterAsApprover, acct.id, "1500", "mine");
    assertStatus(own, 202);
    const res = await approve(requesterAsApprover, own.json.approval.id);
    assertStatus(res, 403);
    expect(res.json.error).toEqual({ code: "forbidden", message: "An operator cannot approve their own request" });
    expect((await approve(maker, approval.id)).status).toBe(403); // role: operator
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "0.0000", count: 0 });
  });

  it("posts once under 20 concurrent approvals: one 200, nineteen 409, the balance moved once", async () => {
    const acct = await freshAccount();
    const approval = await request(acct.id, "2500.50");
    const approvers = [checker, await createOperator("admin"), await createOperator("approver")];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => approve(approvers[i % approvers.length] as TestOperator, approval.id)),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(19).fill(409)]);
    const ok = answers.find((r) => r.status === 200);
    expect(ok?.json.approval).toMatchObject({ id: approval.id, status: "approved", entry_id: ok?.json.entry.id });
    expect(ok?.json.entry).toMatchObject({
      amount: 2500.5,
      source: "portal",
      type: "adjustment",
      balance_after: 2500.5,
    });
    expect(answers.find((r) => r.status === 409)?.json.error.message).toBe(
      "This request was already approved or rejected",
    );
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "2500.5000", count: 1 });
    const [entry] = await query<{ metadata: unknown }>(
      sql`SELECT metadata FROM ledger_entries WHERE account_id = ${acct.id}`,
    );
    expect(entry?.metadata).toEqual({
      actor: { id: maker.id, email: maker.email },
      approved_by: expect.objectContaining({ id: expect.any(String) }),
      approval_id: approval.id,
    });
    expect((await approve(checker, approval.id)).status).toBe(409);
  });

  it("rejects with a note, posting nothing; the rejected request cannot be approved", async () => {
    const acct = await freshAccount();
    const approval = await request(acct.id, "1000");
    const res = await callAs(checker, routes.approvals.rejectApproval, {
      params: { id: approval.id },
      json: { note: "no ticket" },
    });
    assertStatus(res, 200);
    expect(res.json.approval).toMatchObject({
      status: "rejected",
      note: "no ticket",
      decided_by: { id: checker.id, email: checker.email },
      entry_id: null,
    });
    expect((await approve(checker, approval.id)).status).toBe(409);
    expect((await callAs(checker, routes.approvals.rejectApproval, { params: { id: approval.id } })).status).toBe(409);
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "0.0000", count: 0 });
  });

  it("expires a request not approved within 7 days: listed as expired, approving it is 409, nothing posts", async () => {
    const acct = await freshAccount();
    const approval = await request(acct.id, "1200");
    // Seven days cannot pass in a test: the request is made to have been filed eight days ago.
    await query(sql`UPDATE approvals SET created_at = now() - interval '8 days', expires_at = now() - interval '1 day'
      WHERE id = ${approval.id}`);
    const res = await approve(checker, approval.id);
    assertStatus(res, 409);
    expect(res.json.error.message).toBe("This request expired without approval");
    const expired = expectStatus(await approvals(viewer, "expired", acct.id), 200);
    expect(expired.approvals.map((a) => [a.id, a.status])).toEqual([[approval.id, "expired"]]);
    expect(expectStatus(await approvals(viewer, "pending", acct.id), 200).approvals).toEqual([]);
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "0.0000", count: 0 });

    // The scheduled job marks it, with one audit row by `system`; it answers as expired as before.
    await runCron();
    await runCron();
    const [row] = await query<{ status: string; decided_at_is_expiry: boolean }>(
      sql`SELECT status, decided_at = expires_at AS decided_at_is_expiry FROM approvals WHERE id = ${approval.id}`,
    );
    expect(row).toEqual({ status: "expired", decided_at_is_expiry: true });
    const audit = expectStatus(
      await adminCall(routes.audit.listAuditEvents, { query: { target: approval.id, action: "approval.expire" } }),
      200,
    );
    expect(audit.audit_events.map((e) => [e.actor.email, e.before, e.after, e.amount])).toEqual([
      ["system", { status: "pending" }, { status: "expired" }, 1200],
    ]);
    const again = expectStatus(await approve(checker, approval.id), 409);
    expect(again.error.message).toBe("This request expired without approval");
    const listed = expectStatus(await approvals(viewer, "expired", acct.id), 200);
    expect(listed.approvals.map((a) => [a.id, a.status])).toEqual([[approval.id, "expired"]]);
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "0.0000", count: 0 });
  });

  it("answers 404 for an unknown request", async () => {
    const res = await approve(checker, "00000000-0000-4000-8000-000000000000");
    assertStatus(res, 404);
  });
});
