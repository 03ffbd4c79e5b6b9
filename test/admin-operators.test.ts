// Operators: created with a token shown once and stored hashed, listed, re-roled, disabled (their token
// stops at once); the bootstrap ADMIN_TOKEN is an admin recorded as `bootstrap`, and
// ADMIN_TOKEN_ENABLED=false turns it off.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { sha256Hex } from "../src/lib/crypto";
import { callAs, createOperator } from "./fixtures/operators";
import {
  ADMIN,
  adminCall,
  assertStatus,
  callRouteUnchecked,
  createWorkspace,
  expectStatus,
  query,
  routes,
  sql,
} from "./helpers";

describe("operators", () => {
  it("creates an operator whose token is shown once and stored only as its SHA-256", async () => {
    const email = `Ana.${Date.now()}@Ops.Test`;
    const res = await adminCall(routes.operators.createOperator, { json: { email, role: "operator" } });
    assertStatus(res, 201);
    expect(Object.keys(res.json).sort()).toEqual(["email", "id", "role", "token"]);
    expect(res.json.email).toBe(email.toLowerCase());
    expect(res.json.role).toBe("operator");
    expect(res.json.token).toMatch(/^op_[0-9A-Za-z]{40}$/);
    const [row] = await query<{ token_hash: string }>(sql`SELECT token_hash FROM operators WHERE id = ${res.json.id}`);
    expect(row?.token_hash).toBe(await sha256Hex(res.json.token));
    const listed = expectStatus(await adminCall(routes.operators.listOperators, {}), 200);
    const mine = listed.operators.find((o) => o.id === res.json.id);
    expect(Object.keys(mine!).sort()).toEqual(["created_at", "disabled_at", "email", "id", "role"]);
    expect(JSON.stringify(listed)).not.toContain(res.json.token);
  });

  it("refuses a second operator with the same email (409) and a bad role or email (400)", async () => {
    const op = await createOperator("viewer");
    const create = (body: unknown) => callRouteUnchecked(routes.operators.createOperator, { body }, ADMIN);
    expect((await create({ email: op.email, role: "admin" })).status).toBe(409);
    const badRole = await create({ email: "x@ops.test", role: "root" });
    assertStatus(badRole, 400);
    expect(badRole.json.error.message).toContain("role");
    expect((await create({ email: "not-an-email", role: "viewer" })).status).toBe(400);
  });

  it("acts with the role it has now: a role change applies at the next request", async () => {
    const op = await createOperator("viewer");
    const newWorkspace = () => callAs(op, routes.workspaces.createWorkspace, { json: { name: "w" } });
    expect((await newWorkspace()).status).toBe(403);
    const changed = await adminCall(routes.operators.updateOperator, {
      params: { id: op.id },
      json: { role: "admin" },
    });
    assertStatus(changed, 200);
    expect(changed.json).toMatchObject({ id: op.id, role: "admin", disabled_at: null });
    expect((await newWorkspace()).status).toBe(201);
  });

  it("disables an operator: its token answers 401 at once, and it stays listed as disabled", async () => {
    const op = await createOperator("approver");
    const overview = () => callAs(op, routes.overview.getOverview, {});
    const disable = (id: string) => adminCall(routes.operators.disableOperator, { params: { id } });
    expect((await overview()).status).toBe(200);
    expect((await disable(op.id)).status).toBe(204);
    const res = await overview();
    assertStatus(res, 401);
    expect(res.json.error.code).toBe("unauthorized");
    const operators = expectStatus(await adminCall(routes.operators.listOperators, {}), 200).operators;
    const listed = operators.find((o) => o.id === op.id);
    expect(listed!.disabled_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await disable("00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });

  it("refuses tokens that are not an operator's", async () => {
    for (const token of [`op_${"a".repeat(40)}`, "op_short", "op_"]) {
      expect((await callAs({ token }, routes.overview.getOverview, {})).status).toBe(401);
    }
  });

  it("records the bootstrap token as `bootstrap`", async () => {
    const ws = await createWorkspace("bootstrapped");
    const events = expectStatus(await adminCall(routes.audit.listAuditEvents, { query: { target: ws.id } }), 200);
    expect(events.audit_events.map((e) => e.actor)).toEqual([{ id: null, email: "bootstrap" }]);
  });

  it("turns the bootstrap token off with ADMIN_TOKEN_ENABLED=false, while operators still work", async () => {
    const op = await createOperator("viewer");
    const app = buildApp();
    const fetchWith = async (authorization: string) => {
      const ctx = createExecutionContext();
      const res = await app.fetch(
        new Request("https://api.test/admin/v1/overview", { headers: { authorization } }),
        { ...env, ADMIN_TOKEN_ENABLED: "false" },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res;
    };
    expect((await fetchWith(ADMIN.authorization)).status).toBe(401);
    expect((await fetchWith(`Bearer ${op.token}`)).status).toBe(200);
  });
});
