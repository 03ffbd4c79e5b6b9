// Handlers of the operators resource. A role change or a disable also drops the operator's cached
// identity, so the edge stops honouring the old role or the token at once.
import type { AdminEnv } from "../../../auth/admin";
import { newOperatorToken, operatorTokenHash } from "../../../auth/operators";
import { forgetOperator, operatorEmailKey, operatorTokenKey } from "../../../edge/kv-state";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { AppError } from "../../../lib/errors";
import { auditMeta } from "../audit/record";
import { adminErrorRenderer } from "../errors";
import { disableOperator, insertOperator, listOperators, setOperatorRole } from "./queries";
import * as routes from "./routes";

export const operatorsAdmin = createSurface<AdminEnv>(adminErrorRenderer);

const notFound = () => new AppError("not_found", "Operator not found");
const cacheKeys = (o: { token_hash: string; email: string }) => [
  operatorTokenKey(o.token_hash),
  operatorEmailKey(o.email),
];

operatorsAdmin.openapi(routes.listOperators, async (c) => c.json({ operators: await listOperators(database(c)) }, 200));

operatorsAdmin.openapi(routes.createOperator, async (c) => {
  const { email, role } = c.req.valid("json");
  const token = newOperatorToken();
  const row = await insertOperator(database(c), auditMeta(c), {
    email,
    role,
    tokenHash: await operatorTokenHash(token),
  });
  if (row === "email_taken") throw new AppError("conflict", "An operator with this email exists");
  return c.json({ id: row.id, email: row.email, role: row.role, token }, 201);
});

operatorsAdmin.openapi(routes.updateOperator, async (c) => {
  const { id } = c.req.valid("param");
  const row = await setOperatorRole(database(c), auditMeta(c), id, c.req.valid("json").role);
  if (!row) throw notFound();
  await forgetOperator(c.env.EDGE_KV, cacheKeys(row));
  const { token_hash: _, ...operator } = row;
  return c.json(operator, 200);
});

operatorsAdmin.openapi(routes.disableOperator, async (c) => {
  const { id } = c.req.valid("param");
  const row = await disableOperator(database(c), auditMeta(c), id);
  if (!row) throw notFound();
  await forgetOperator(c.env.EDGE_KV, cacheKeys(row));
  return c.body(null, 204);
});
