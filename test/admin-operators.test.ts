// Operators: created with a token shown once and stored hashed, listed, re-roled, disabled (their token
// stops at once); the bootstrap ADMIN_TOKEN is an admin recorded as `bootstrap`, and
// ADMIN_TOKEN_ENABLED=false turns it off.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { sha256Hex } from "../src/lib/crypto";
import { as, createOperator } from "./fixtures/operators";
import { ADMIN, admin, query, sql } from "./helpers";

describe("operators", () => {
  it("creates an operator whose token is shown once and stored only as its SHA-256", async () => {
    const email = `Ana.${Date.now()}@Ops.Test`;
    const res = await admin("POST", "/operators", { email, role: "operator" });
    expect(res.status).toBe(201);
    expect(Object.keys(res.json).sort()).toEqual(["email", "id", "role", "token"]);
    expect(res.json.email).toBe(email.toLowerCase());
    expect(res.json.role).toBe("operator");
    expect(res.json.token).toMatch(/^op_[0-9A-Za-z]{40}$/);
    const [row] = await query<{ token_hash: string }>(sql`SELECT token_hash FROM operators WHERE id = ${res.json.id}`);
    expect(row?.token_hash).toBe(await sha256Hex(res.json.token));
    const listed = await admin("GET", "/operators");
    const mine = listed.json.operators.find((o: { id: string }) => o.id === res.json.id);
    expect(Object.keys(mine).sort()).toEqual(["created_at", "disabled_at", "email", "id", "role"]);
    expect(JSON.stringify(listed.json)).not.toContain(res.json.token);
  });

  it("refuses a second operator with the same email (409) and a bad role or email (400)", async () => {
    const op = await createOperator("viewer");
    expect((await admin("POST", "/operators", { email: op.email, role: "admin" })).status).toBe(409);
    const badRole = await admin("POST", "/operators", { email: "x@ops.test", role: "root" });
    expect(badRole.status).toBe(400);
    expect(badRole.json.error.message).toContain("role");
    expect((await admin("POST", "/operators", { email: "not-an-email", role: "viewer" })).status).toBe(400);
  });

  it("acts with the role it has now: a role change applies at the next request", async () => {
    const op = await createOperator("viewer");
    expect((await as(op, "POST", "/workspaces", { name: "w" })).status).toBe(403);
    const changed = await admin("PATCH", `/operators/${op.id}`, { role: "admin" });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ id: op.id, role: "admin", disabled_at: null });
    expect((await as(op, "POST", "/workspaces", { name: "w" })).status).toBe(201);
  });

  it("disables an operator: its token answers 401 at once, and it stays listed as disabled", async () => {
    const op = await createOperator("approver");
    expect((await as(op, "GET", "/overview")).status).toBe(200);
    expect((await admin("DELETE", `/operators/${op.id}`)).status).toBe(204);
    const res = await as(op, "GET", "/overview");
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("unauthorized");
    const listed = (await admin("GET", "/operators")).json.operators.find((o: { id: string }) => o.id === op.id);
    expect(listed.disabled_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await admin("DELETE", "/operators/00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });

  it("refuses tokens that are not an operator's", async () => {
    for (const token of [`op_${"a".repeat(40)}`, "op_short", "op_"]) {
      expect((await as({ token }, "GET", "/overview")).status).toBe(401);
    }
  });

  it("records the bootstrap token as `bootstrap`", async () => {
    const ws = await admin("POST", "/workspaces", { name: "bootstrapped" });
    const events = await admin("GET", `/audit-events?target=${ws.json.id}`);
    expect(events.json.audit_events.map((e: { actor: unknown }) => e.actor)).toEqual([
      { id: null, email: "bootstrap" },
    ]);
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
