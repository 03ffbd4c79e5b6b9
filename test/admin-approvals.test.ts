// Four eyes: a named operator's adjustment at or above ADJUSTMENT_APPROVAL_THRESHOLD (default 1000 in
// every currency) does not post; another approver posts it exactly once, whatever the races.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../functions/index";
import { as, createOperator, type TestOperator } from "./fixtures/operators";
import { admin, createAccount, createWorkspace, ledgerInvariant, query, sql } from "./helpers";

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

const request = async (accountId: string, amount: string) => {
  const res = await as(maker, "POST", `/accounts/${accountId}/adjustments`, { amount, description: "large" });
  if (res.status !== 202) throw new Error(`expected 202, got ${res.status}: ${res.text}`);
  return res.json.approval as { id: string; status: string };
};

describe("four eyes on adjustments", () => {
  it("posts 999.99 at once and holds 1000.00 and -1000 for approval, posting nothing", async () => {
    const acct = await freshAccount();
    const below = await as(maker, "POST", `/accounts/${acct.id}/adjustments`, { amount: "999.99", description: "b" });
    expect(below.status).toBe(201);
    expect(below.json.amount).toBe(999.99);
    for (const amount of ["1000.00", "-1000"]) {
      const res = await as(maker, "POST", `/accounts/${acct.id}/adjustments`, { amount, description: "big" });
      expect(res.status, amount).toBe(202);
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
    const pending = await as(viewer, "GET", `/approvals?status=pending&account_id=${acct.id}`);
    expect(pending.json.approvals.map((a: { amount: number }) => a.amount)).toEqual([-1000, 1000]);
  });

  it("lets the bootstrap token post above the threshold directly (set-up and break-glass)", async () => {
    const acct = await freshAccount();
    const res = await admin("POST", `/accounts/${acct.id}/adjustments`, { amount: "50000.00", description: "seed" });
    expect(res.status).toBe(201);
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "50000.0000", count: 1 });
  });

  it("refuses the requester's own approval (403) and posts nothing", async () => {
    const acct = await freshAccount();
    const approval = await request(acct.id, "1500");
    const requesterAsApprover = await createOperator("approver");
    const own = await as(requesterAsApprover, "POST", `/accounts/${acct.id}/adjustments`, {
      amount: "1500",
      description: "mine",
    });
    expect(own.status).toBe(202);
    const res = await as(requesterAsApprover, "POST", `/approvals/${own.json.approval.id}/approve`);
    expect(res.status).toBe(403);
    expect(res.json.error).toEqual({ code: "forbidden", message: "An operator cannot approve their own request" });
    expect((await as(maker, "POST", `/approvals/${approval.id}/approve`)).status).toBe(403); // role: operator
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "0.0000", count: 0 });
  });

  it("posts once under 20 concurrent approvals: one 200, nineteen 409, the balance moved once", async () => {
    const acct = await freshAccount();
    const approval = await request(acct.id, "2500.50");
    const approvers = [checker, await createOperator("admin"), await createOperator("approver")];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        as(approvers[i % approvers.length] as TestOperator, "POST", `/approvals/${approval.id}/approve`),
      ),
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
    expect((await as(checker, "POST", `/approvals/${approval.id}/approve`)).status).toBe(409);
  });

  it("rejects with a note, posting nothing; the rejected request cannot be approved", async () => {
    const acct = await freshAccount();
    const approval = await request(acct.id, "1000");
    const res = await as(checker, "POST", `/approvals/${approval.id}/reject`, { note: "no ticket" });
    expect(res.status).toBe(200);
    expect(res.json.approval).toMatchObject({
      status: "rejected",
      note: "no ticket",
      decided_by: { id: checker.id, email: checker.email },
      entry_id: null,
    });
    expect((await as(checker, "POST", `/approvals/${approval.id}/approve`)).status).toBe(409);
    expect((await as(checker, "POST", `/approvals/${approval.id}/reject`)).status).toBe(409);
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "0.0000", count: 0 });
  });

  it("expires a request not approved within 7 days: listed as expired, approving it is 409, nothing posts", async () => {
    const acct = await freshAccount();
    const approval = await request(acct.id, "1200");
    // Seven days cannot pass in a test: the request is made to have been filed eight days ago.
    await query(sql`UPDATE approvals SET created_at = now() - interval '8 days', expires_at = now() - interval '1 day'
      WHERE id = ${approval.id}`);
    const res = await as(checker, "POST", `/approvals/${approval.id}/approve`);
    expect(res.status).toBe(409);
    expect(res.json.error.message).toBe("This request expired without approval");
    const expired = await as(viewer, "GET", `/approvals?status=expired&account_id=${acct.id}`);
    expect(expired.json.approvals.map((a: { id: string; status: string }) => [a.id, a.status])).toEqual([
      [approval.id, "expired"],
    ]);
    expect((await as(viewer, "GET", `/approvals?status=pending&account_id=${acct.id}`)).json.approvals).toEqual([]);
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "0.0000", count: 0 });

    // The scheduled job marks it, with one audit row by `system`; it answers as expired as before.
    await runCron();
    await runCron();
    const [row] = await query<{ status: string; decided_at_is_expiry: boolean }>(
      sql`SELECT status, decided_at = expires_at AS decided_at_is_expiry FROM approvals WHERE id = ${approval.id}`,
    );
    expect(row).toEqual({ status: "expired", decided_at_is_expiry: true });
    const audit = await admin("GET", `/audit-events?target=${approval.id}&action=approval.expire`);
    expect(
      audit.json.audit_events.map(
        (e: { actor: { email: string }; before: unknown; after: unknown; amount: number }) => [
          e.actor.email,
          e.before,
          e.after,
          e.amount,
        ],
      ),
    ).toEqual([["system", { status: "pending" }, { status: "expired" }, 1200]]);
    const again = await as(checker, "POST", `/approvals/${approval.id}/approve`);
    expect([again.status, again.json.error.message]).toEqual([409, "This request expired without approval"]);
    const listed = await as(viewer, "GET", `/approvals?status=expired&account_id=${acct.id}`);
    expect(listed.json.approvals.map((a: { id: string; status: string }) => [a.id, a.status])).toEqual([
      [approval.id, "expired"],
    ]);
    expect(await ledgerInvariant(acct.id)).toMatchObject({ balance: "0.0000", count: 0 });
  });

  it("answers 404 for an unknown request", async () => {
    const res = await as(checker, "POST", "/approvals/00000000-0000-4000-8000-000000000000/approve");
    expect(res.status).toBe(404);
  });
});
