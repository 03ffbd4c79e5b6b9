// Handlers of the deliveries resource.
import type { AdminEnv } from "../../../auth/admin";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { AppError } from "../../../lib/errors";
import { type DeliveryMessage, retryDelaySeconds } from "../../../outbound/deliveries";
import { workspaceWebhookSecret } from "../../../outbound/queries";
import { auditMeta } from "../audit/record";
import { adminErrorRenderer } from "../errors";
import { type DeliveryRow, listDeliveries, reopenDelivery } from "./queries";
import * as routes from "./routes";

export const deliveriesAdmin = createSurface<AdminEnv>(adminErrorRenderer);

deliveriesAdmin.openapi(routes.listDeliveries, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const row = await listDeliveries(database(c), workspace_id);
  if (!row?.found) throw new AppError("not_found", "Workspace not found");
  // The queue holds the retry timer; its due time follows from the backoff schedule of the last attempt.
  const nextAttempt = (d: DeliveryRow) =>
    d.status === "pending" && d.attempts > 0 && d.last_attempt_at
      ? new Date(Date.parse(d.last_attempt_at) + retryDelaySeconds(d.attempts) * 1000).toISOString()
      : null;
  return c.json({ deliveries: row.deliveries.map((d) => ({ ...d, next_attempt_at: nextAttempt(d) })) }, 200);
});

deliveriesAdmin.openapi(routes.retryDelivery, async (c) => {
  const { workspace_id, delivery_id } = c.req.valid("param");
  const before = await reopenDelivery(database(c), auditMeta(c), workspace_id, delivery_id);
  if (!before) throw new AppError("not_found", "Webhook delivery not found");
  if (before === "delivered") throw new AppError("conflict", "This webhook was delivered already");
  await c.env.WEBHOOK_QUEUE.send({ deliveryId: delivery_id } satisfies DeliveryMessage);
  return c.json({ id: delivery_id, status: "pending" as const }, 202);
});

deliveriesAdmin.openapi(routes.getWebhookSecret, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const secret = await workspaceWebhookSecret(database(c), workspace_id);
  if (!secret) throw new AppError("not_found", "Workspace not found");
  return c.json({ secret }, 200);
});
