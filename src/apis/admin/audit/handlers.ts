// Handler of the audit resource.
import { z } from "@hono/zod-openapi";
import type { AdminEnv } from "../../../auth/admin";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { toJsonNumber } from "../../../lib/money";
import { dayMillis, encodeKeyset, keysetAfter, keysetPage, startOfDay, UUID } from "../common";
import { adminErrorRenderer } from "../errors";
import { type AuditEventRow, listAuditEvents } from "./queries";
import * as routes from "./routes";

export const auditAdmin = createSurface<AdminEnv>(adminErrorRenderer);

export const auditEventToJson = (e: AuditEventRow) => ({
  id: e.id,
  occurred_at: e.occurred_at,
  actor: { id: e.actor_id, email: e.actor_email },
  action: e.action,
  target: { type: e.target_type, id: e.target_id },
  workspace_id: e.workspace_id,
  account_id: e.account_id,
  before: e.before,
  after: e.after,
  amount: e.amount === null ? null : toJsonNumber(e.amount),
  currency: e.currency,
  request_id: e.request_id,
  client_ip: e.client_ip,
});

auditAdmin.openapi(routes.listAuditEvents, async (c) => {
  const q = c.req.valid("query");
  const before = keysetAfter(q.cursor, z.tuple([z.string().max(40), z.number().int()]));
  const actor = q.actor?.toLowerCase();
  const rows = await listAuditEvents(
    database(c),
    {
      ...(actor && UUID.test(actor) ? { actorId: actor } : { actorEmail: actor }),
      action: q.action,
      target: q.target,
      workspaceId: q.workspace_id,
      accountId: q.account_id,
      from: q.from ? new Date(startOfDay(q.from)) : undefined,
      to: q.to ? new Date(startOfDay(q.to) + dayMillis) : undefined,
      before: before && { position: before[0], id: before[1] },
    },
    q.limit + 1,
  );
  const { page, next_cursor } = keysetPage(rows, q.limit, (last) => encodeKeyset([last.position, last.id]));
  return c.json({ audit_events: page.map(auditEventToJson), next_cursor }, 200);
});
