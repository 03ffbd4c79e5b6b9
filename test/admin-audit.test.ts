// The audit trail: every state-changing admin action leaves exactly one row, written with its effect,
// naming the actor, the target, and what changed; the rows cannot be changed or deleted, even in SQL.
import { beforeAll, describe, expect, it } from "vitest";
import { as, createOperator, type TestOperator } from "./fixtures/operators";
import { query, sql } from "./helpers";

let boss: TestOperator;
let clerk: TestOperator;

beforeAll(async () => {
  boss = await createOperator("admin");
  clerk = await createOperator("approver");
});

type Event = {
  id: number;
  actor: { id: string | null; email: string };
  action: string;
  target: { type: string; id: string };
  workspace_id: string | null;
  account_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  amount: number | null;
  currency: string | null;
  request_id: string | null;
  client_ip: string | null;
  occurred_at: string;
};

/** The audit rows of one target, oldest first. */
async function trail(target: string): Promise<Event[]> {
  const res = await as(clerk, "GET", `/audit-events?target=${encodeURIComponent(target)}&limit=200`);
  expect(res.status).toBe(200);
  return [...res.json.audit_events].reverse();
}

async function expectOneRow(target: string, expected: Partial<Event>, requestId?: string | null) {
  const rows = await trail(target);
  expect(rows.map((r) => r.action)).toEqual([expected.action]);
  expect(rows[0]).toMatchObject(expected);
  if (requestId) expect(rows[0]?.request_id).toBe(requestId);
}

describe("audit trail", () => {
  it("records each action once with actor, target, before and after, request id and client address", async () => {
    const actor = { id: boss.id, email: boss.email };
    const headers = { "cf-connecting-ip": "203.0.113.7" };
    const ws = await as(boss, "POST", "/workspaces", { name: "Audited" }, headers);
    await expectOneRow(
      ws.json.id,
      {
        actor,
        action: "workspace.create",
        target: { type: "workspace", id: ws.json.id },
        workspace_id: ws.json.id,
        before: null,
        after: { name: "Audited" },
        client_ip: "203.0.113.7",
      },
      ws.headers.get("x-request-id"),
    );

    const acct = await as(boss, "POST", `/workspaces/${ws.json.id}/accounts`, { currency: "EUR", status: "setup" });
    const status = await as(clerk, "PATCH", `/accounts/${acct.json.id}`, { status: "active" });
    expect(status.status).toBe(200);
    const acctRows = await trail(acct.json.id);
    expect(acctRows.map((r) => [r.action, r.actor.email, r.before, r.after])).toEqual([
      ["account.create", boss.email, null, { currency: "EUR", status: "setup", overdraft_limit: "0.0000" }],
      ["account.status", clerk.email, { status: "setup" }, { status: "active" }],
    ]);

    const adj = await as(clerk, "POST", `/accounts/${acct.json.id}/adjustments`, {
      amount: "12.34",
      description: "fix",
    });
    expect(adj.status).toBe(201);
    await expectOneRow(String(adj.json.id), {
      actor: { id: clerk.id, email: clerk.email },
      action: "adjustment.post",
      target: { type: "ledger_entry", id: String(adj.json.id) },
      workspace_id: ws.json.id,
      account_id: acct.json.id,
      amount: 12.34,
      currency: "EUR",
    });

    const imported = await as(boss, "POST", `/accounts/${acct.json.id}/entries`, {
      source: "sms_gateway",
      type: "usage",
      amount: "-2",
      description: "sms",
    });
    await expectOneRow(String(imported.json.id), { action: "entry.import", amount: -2, account_id: acct.json.id });

    const key = await as(clerk, "POST", `/workspaces/${ws.json.id}/api-keys`, { permissions: ["payments.read"] });
    expect((await as(clerk, "DELETE", `/workspaces/${ws.json.id}/api-keys/${key.json.id}`)).status).toBe(204);
    expect((await as(clerk, "DELETE", `/api-keys/${key.json.id}`)).status).toBe(204); // already revoked: no change
    const keyRows = await trail(key.json.id);
    expect(keyRows.map((r) => [r.action, r.before])).toEqual([
      ["api_key.create", null],
      ["api_key.revoke", { revoked_at: null }],
    ]);
    expect(keyRows[0]?.after).toEqual({
      prefix: key.json.prefix,
      mode: "test",
      permissions: ["payments.read"],
      account_id: null,
    });
    expect(String(keyRows[1]?.after?.revoked_at)).toMatch(/^\d{4}-\d\d-\d\dT/);

    const member = await as(clerk, "POST", `/workspaces/${ws.json.id}/members`, { email: "m@x.test", role: "owner" });
    await as(clerk, "POST", `/workspaces/${ws.json.id}/members/${member.json.id}/tokens`, { ttl_seconds: 600 });
    await as(clerk, "DELETE", `/workspaces/${ws.json.id}/members/${member.json.id}/tokens`);
    expect((await trail(member.json.id)).map((r) => [r.action, r.before, r.after])).toEqual([
      ["member.create", null, { email: "m@x.test", role: "owner", permissions: [] }],
      ["member.token.issue", null, { ttl_seconds: 600, token_version: 0 }],
      ["member.tokens.revoke", { token_version: 0 }, { token_version: 1 }],
    ]);

    const client = await as(clerk, "POST", `/workspaces/${ws.json.id}/oauth-clients`, {
      name: "shop",
      scopes: ["read"],
    });
    await as(clerk, "DELETE", `/workspaces/${ws.json.id}/oauth-clients/${client.json.client_id}`);
    expect((await trail(client.json.client_id)).map((r) => [r.action, r.after?.name ?? null])).toEqual([
      ["oauth_client.create", "shop"],
      ["oauth_client.revoke", null],
    ]);

    const other = await createOperator("viewer");
    await as(boss, "PATCH", `/operators/${other.id}`, { role: "operator" });
    await as(boss, "DELETE", `/operators/${other.id}`);
    expect((await trail(other.id)).map((r) => [r.action, r.before, r.after?.role ?? null])).toEqual([
      ["operator.create", null, "viewer"],
      ["operator.role", { role: "viewer" }, "operator"],
      ["operator.disable", { disabled_at: null }, null],
    ]);
  });

  it("records the gateway's manual state with who set it, and shows it as set by that operator", async () => {
    const res = await as(boss, "PUT", "/gateway-status", { status: "partial", reason: "audit test" });
    expect(res.json.set_by).toBe(boss.email);
    const rows = await as(clerk, "GET", `/audit-events?action=gateway.set&actor=${boss.id}&limit=1`);
    expect(rows.json.audit_events[0]).toMatchObject({
      actor: { id: boss.id, email: boss.email },
      target: { type: "gateway", id: "sms" },
      after: { status: "partial", reason: "audit test", source: "admin", set_by: boss.email },
    });
    expect((await as(clerk, "GET", "/gateway-status")).json.set_by).toBe(boss.email);
    await as(boss, "PUT", "/gateway-status", { status: "ok" });
  });

  it("filters by actor id, email or bootstrap, action and day, newest first, and pages", async () => {
    const op = await createOperator("admin");
    const names = ["a1", "a2", "a3"];
    for (const name of names) await as(op, "POST", "/workspaces", { name });
    const byEmail = await as(clerk, "GET", `/audit-events?actor=${encodeURIComponent(op.email.toUpperCase())}&limit=2`);
    expect(byEmail.json.audit_events.map((e: Event) => e.after?.name)).toEqual(["a3", "a2"]);
    const next = await as(clerk, "GET", `/audit-events?actor=${op.id}&limit=2&cursor=${byEmail.json.next_cursor}`);
    expect(next.json.audit_events.map((e: Event) => e.after?.name)).toEqual(["a1"]);
    expect(next.json.next_cursor).toBeNull();
    const today = new Date().toISOString().slice(0, 10);
    const filtered = await as(
      clerk,
      "GET",
      `/audit-events?actor=${op.id}&action=workspace.create&from=${today}&to=${today}`,
    );
    expect(filtered.json.audit_events).toHaveLength(3);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect((await as(clerk, "GET", `/audit-events?actor=${op.id}&to=${yesterday}`)).json.audit_events).toEqual([]);
    const boot = await as(clerk, "GET", "/audit-events?actor=bootstrap&limit=5");
    expect(boot.json.audit_events.every((e: Event) => e.actor.id === null && e.actor.email === "bootstrap")).toBe(true);
    expect((await as(clerk, "GET", "/audit-events?cursor=nope")).status).toBe(400);
    expect((await as(clerk, "GET", "/audit-events?limit=201")).status).toBe(400);
  });

  it("cannot be changed or deleted, even in SQL", async () => {
    const ws = await as(boss, "POST", "/workspaces", { name: "immutable" });
    const [row] = await query<{ id: string }>(sql`SELECT id::text FROM audit_events WHERE target_id = ${ws.json.id}`);
    const refused = (e: unknown) =>
      /audit_events is append-only/.test(String((e as { cause?: Error })?.cause?.message ?? e));
    await expect(query(sql`UPDATE audit_events SET action = 'x' WHERE id = ${row?.id}::bigint`)).rejects.toSatisfy(
      refused,
    );
    await expect(query(sql`DELETE FROM audit_events WHERE id = ${row?.id}::bigint`)).rejects.toSatisfy(refused);
    await expect(query(sql`TRUNCATE audit_events`)).rejects.toSatisfy(refused);
    expect((await trail(ws.json.id)).map((r) => r.action)).toEqual(["workspace.create"]);
  });
});
