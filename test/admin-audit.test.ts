// The audit trail: every state-changing admin action leaves exactly one row, written with its effect,
// naming the actor, the target, and what changed; the rows cannot be changed or deleted, even in SQL.
import { beforeAll, describe, expect, it } from "vitest";
import { callAs, createOperator, type TestOperator } from "./fixtures/operators";
import { callRouteUnchecked, expectStatus, query, type RouteInput, routes, sql } from "./helpers";

const { accounts, apiKeys, audit, entries, gateway, members, oauthClients, operators, workspaces } = routes;

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
  const res = await callAs(clerk, audit.listAuditEvents, { query: { target, limit: "200" } });
  return [...expectStatus(res, 200).audit_events].reverse();
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
    const wsAnswer = await callAs(boss, workspaces.createWorkspace, { json: { name: "Audited" } }, headers);
    const ws = expectStatus(wsAnswer, 201);
    await expectOneRow(
      ws.id,
      {
        actor,
        action: "workspace.create",
        target: { type: "workspace", id: ws.id },
        workspace_id: ws.id,
        before: null,
        after: { name: "Audited" },
        client_ip: "203.0.113.7",
      },
      wsAnswer.headers.get("x-request-id"),
    );

    const acct = expectStatus(
      await callAs(boss, accounts.createAccount, {
        params: { workspace_id: ws.id },
        json: { currency: "EUR", status: "setup" },
      }),
      201,
    );
    const status = await callAs(clerk, accounts.updateAccountStatus, {
      params: { account_id: acct.id },
      json: { status: "active" },
    });
    expect(status.status).toBe(200);
    const acctRows = await trail(acct.id);
    expect(acctRows.map((r) => [r.action, r.actor.email, r.before, r.after])).toEqual([
      ["account.create", boss.email, null, { currency: "EUR", status: "setup", overdraft_limit: "0.0000" }],
      ["account.status", clerk.email, { status: "setup" }, { status: "active" }],
    ]);

    const adj = expectStatus(
      await callAs(clerk, entries.createAdjustment, {
        params: { account_id: acct.id },
        json: { amount: "12.34", description: "fix" },
      }),
      201,
    );
    await expectOneRow(String(adj.id), {
      actor: { id: clerk.id, email: clerk.email },
      action: "adjustment.post",
      target: { type: "ledger_entry", id: String(adj.id) },
      workspace_id: ws.id,
      account_id: acct.id,
      amount: 12.34,
      currency: "EUR",
    });

    const imported = expectStatus(
      await callAs(boss, entries.importEntry, {
        params: { account_id: acct.id },
        json: { source: "sms_gateway", type: "usage", amount: "-2", description: "sms" },
      }),
      201,
    );
    await expectOneRow(String(imported.id), { action: "entry.import", amount: -2, account_id: acct.id });

    const key = expectStatus(
      await callAs(clerk, apiKeys.createApiKey, {
        params: { workspace_id: ws.id },
        json: { permissions: ["payments.read"] },
      }),
      201,
    );
    const revoked = await callAs(clerk, apiKeys.revokeWorkspaceApiKey, { params: { workspace_id: ws.id, id: key.id } });
    expect(revoked.status).toBe(204);
    // already revoked: no change
    expect((await callAs(clerk, apiKeys.revokeApiKey, { params: { id: key.id } })).status).toBe(204);
    const keyRows = await trail(key.id);
    expect(keyRows.map((r) => [r.action, r.before])).toEqual([
      ["api_key.create", null],
      ["api_key.revoke", { revoked_at: null }],
    ]);
    expect(keyRows[0]?.after).toEqual({
      prefix: key.prefix,
      mode: "test",
      permissions: ["payments.read"],
      account_id: null,
    });
    expect(String(keyRows[1]?.after?.revoked_at)).toMatch(/^\d{4}-\d\d-\d\dT/);

    const member = expectStatus(
      await callAs(clerk, members.createMember, {
        params: { workspace_id: ws.id },
        json: { email: "m@x.test", role: "owner" },
      }),
      201,
    );
    const memberParams = { workspace_id: ws.id, id: member.id };
    const issued = await callAs(clerk, members.createWorkspaceMemberToken, {
      params: memberParams,
      json: { ttl_seconds: 600 },
    });
    expect(issued.status).toBe(201);
    const revokedTokens = await callAs(clerk, members.revokeWorkspaceMemberTokens, { params: memberParams });
    expect(revokedTokens.status).toBe(204);
    expect((await trail(member.id)).map((r) => [r.action, r.before, r.after])).toEqual([
      ["member.create", null, { email: "m@x.test", role: "owner", permissions: [] }],
      ["member.token.issue", null, { ttl_seconds: 600, token_version: 0 }],
      ["member.tokens.revoke", { token_version: 0 }, { token_version: 1 }],
    ]);

    const client = expectStatus(
      await callAs(clerk, oauthClients.createOAuthClient, {
        params: { workspace_id: ws.id },
        json: { name: "shop", scopes: ["read"] },
      }),
      201,
    );
    const clientRevoked = await callAs(clerk, oauthClients.revokeOAuthClient, {
      params: { workspace_id: ws.id, client_id: client.client_id },
    });
    expect(clientRevoked.status).toBe(204);
    expect((await trail(client.client_id)).map((r) => [r.action, r.after?.name ?? null])).toEqual([
      ["oauth_client.create", "shop"],
      ["oauth_client.revoke", null],
    ]);

    const other = await createOperator("viewer");
    const promoted = await callAs(boss, operators.updateOperator, {
      params: { id: other.id },
      json: { role: "operator" },
    });
    expect(promoted.status).toBe(200);
    expect((await callAs(boss, operators.disableOperator, { params: { id: other.id } })).status).toBe(204);
    expect((await trail(other.id)).map((r) => [r.action, r.before, r.after?.role ?? null])).toEqual([
      ["operator.create", null, "viewer"],
      ["operator.role", { role: "viewer" }, "operator"],
      ["operator.disable", { disabled_at: null }, null],
    ]);
  });

  it("records the gateway's manual state with who set it, and shows it as set by that operator", async () => {
    const res = await callAs(boss, gateway.putGatewayStatus, { json: { status: "partial", reason: "audit test" } });
    expect(expectStatus(res, 200).set_by).toBe(boss.email);
    const rows = await callAs(clerk, audit.listAuditEvents, {
      query: { action: "gateway.set", actor: boss.id, limit: "1" },
    });
    expect(expectStatus(rows, 200).audit_events[0]).toMatchObject({
      actor: { id: boss.id, email: boss.email },
      target: { type: "gateway", id: "sms" },
      after: { status: "partial", reason: "audit test", source: "admin", set_by: boss.email },
    });
    expect(expectStatus(await callAs(clerk, gateway.getGatewayStatus, {}), 200).set_by).toBe(boss.email);
    expect((await callAs(boss, gateway.putGatewayStatus, { json: { status: "ok" } })).status).toBe(200);
  });

  it("filters by actor id, email or bootstrap, action and day, newest first, and pages", async () => {
    const op = await createOperator("admin");
    const names = ["a1", "a2", "a3"];
    for (const name of names)
      expect((await callAs(op, workspaces.createWorkspace, { json: { name } })).status).toBe(201);
    const events = async (query: RouteInput<typeof audit.listAuditEvents>["query"]) =>
      expectStatus(await callAs(clerk, audit.listAuditEvents, { query }), 200);
    const byEmail = await events({ actor: op.email.toUpperCase(), limit: "2" });
    expect(byEmail.audit_events.map((e) => e.after?.name)).toEqual(["a3", "a2"]);
    const next = await events({ actor: op.id, limit: "2", cursor: byEmail.next_cursor ?? undefined });
    expect(next.audit_events.map((e) => e.after?.name)).toEqual(["a1"]);
    expect(next.next_cursor).toBeNull();
    const today = new Date().toISOString().slice(0, 10);
    const filtered = await events({ actor: op.id, action: "workspace.create", from: today, to: today });
    expect(filtered.audit_events).toHaveLength(3);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect((await events({ actor: op.id, to: yesterday })).audit_events).toEqual([]);
    const boot = await events({ actor: "bootstrap", limit: "5" });
    expect(boot.audit_events.length).toBeGreaterThan(0);
    expect(boot.audit_events.every((e) => e.actor.id === null && e.actor.email === "bootstrap")).toBe(true);
    const refused = (query: string) =>
      callRouteUnchecked(audit.listAuditEvents, { query }, { authorization: `Bearer ${clerk.token}` });
    expect((await refused("?cursor=nope")).status).toBe(400);
    expect((await refused("?limit=201")).status).toBe(400);
  });

  it("cannot be changed or deleted, even in SQL", async () => {
    const ws = expectStatus(await callAs(boss, workspaces.createWorkspace, { json: { name: "immutable" } }), 201);
    const [row] = await query<{ id: string }>(sql`SELECT id::text FROM audit_events WHERE target_id = ${ws.id}`);
    const refused = (e: unknown) => {
      const cause = e instanceof Error ? e.cause : undefined;
      return /audit_events is append-only/.test(cause instanceof Error ? cause.message : String(e));
    };
    await expect(query(sql`UPDATE audit_events SET action = 'x' WHERE id = ${row?.id}::bigint`)).rejects.toSatisfy(
      refused,
    );
    await expect(query(sql`DELETE FROM audit_events WHERE id = ${row?.id}::bigint`)).rejects.toSatisfy(refused);
    await expect(query(sql`TRUNCATE audit_events`)).rejects.toSatisfy(refused);
    expect((await trail(ws.id)).map((r) => r.action)).toEqual(["workspace.create"]);
  });
});
