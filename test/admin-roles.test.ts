// Every admin route under each role, from one table: the routes come from /openapi.json, their rules
// from src/apis/admin/roles.ts. A route without a rule fails here; a role below the rule gets 403 in the
// admin shape with nothing changed; a role at or above it gets past the guard (its answer is whatever the
// fake ids and empty body earn: 400, 404, 200 - never 401 or 403).
import { beforeAll, describe, expect, it } from "vitest";
import { ROUTE_ROLES } from "../src/apis/admin/roles";
import { OPERATOR_ROLES } from "../src/db/schema";
import { as, createOperator, type TestOperator } from "./fixtures/operators";
import { query, sql } from "./helpers";
import { openApiDocument } from "./openapi-doc";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

type Operation = { method: string; path: string; operationId: string };

async function adminOperations(): Promise<Operation[]> {
  const doc = await openApiDocument();
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (!path.startsWith("/admin/v1/")) continue;
    for (const [method, op] of Object.entries(methods)) {
      ops.push({ method: method.toUpperCase(), path, operationId: op.operationId ?? `(none) ${method} ${path}` });
    }
  }
  return ops;
}

/** The path with every parameter set to an id that names nothing. */
const concrete = (path: string) =>
  `/admin/v1${path.slice("/admin/v1".length)}`.replace(/\{(\w+)\}/g, (_, name: string) =>
    name === "client_id" || name === "delivery_id" ? "nothing-here" : UNKNOWN,
  );

const rank = (role: string) => OPERATOR_ROLES.indexOf(role as (typeof OPERATOR_ROLES)[number]);

describe("admin roles: every route has a rule, and each role gets exactly what it allows", () => {
  const operators: Partial<Record<(typeof OPERATOR_ROLES)[number], TestOperator>> = {};
  let operations: Operation[] = [];
  beforeAll(async () => {
    operations = await adminOperations();
    for (const role of OPERATOR_ROLES) operators[role] = await createOperator(role);
  });

  it("lists every admin route in the role table, and no rule without a route", () => {
    const documented = operations.map((o) => o.operationId).sort();
    expect(documented).toEqual(Object.keys(ROUTE_ROLES).sort());
    expect(new Set(documented).size).toBe(documented.length);
  });

  it("answers 403 in the admin shape below the route's role, changing nothing, and lets the others through", async () => {
    // Other suites write audit rows at the same time: count this operator's own.
    const auditCount = async (operatorId: string) =>
      (await query<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_events WHERE actor_id = ${operatorId}`))[0]
        ?.n ?? 0;
    for (const op of operations) {
      const need = ROUTE_ROLES[op.operationId as keyof typeof ROUTE_ROLES];
      for (const role of OPERATOR_ROLES) {
        const operator = operators[role];
        if (!operator) throw new Error("operator missing");
        const body = op.method === "GET" || op.method === "DELETE" ? undefined : {};
        const before = rank(role) < rank(need) ? await auditCount(operator.id) : 0;
        const res = await as(operator, op.method, concrete(op.path).slice("/admin/v1".length), body);
        const label = `${role} ${op.method} ${op.path} (needs ${need})`;
        if (rank(role) < rank(need)) {
          expect(res.status, label).toBe(403);
          expect(res.json, label).toEqual({
            error: { code: "forbidden", message: `This action needs the ${need} role` },
          });
          expect(await auditCount(operator.id), label).toBe(before);
        } else {
          expect([401, 403], `${label}: ${res.status} ${res.text}`).not.toContain(res.status);
        }
      }
    }
  });
});
