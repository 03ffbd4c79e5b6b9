// Routes of the deliveries resource: a workspace's outbound webhooks, "retry now", the signing secret.
import { jsonContent } from "../../../http/openapi";
import { idParam, uuidParam } from "../../../http/params";
import { AdminError } from "../errors";
import { adminErrors, adminRoute } from "../route-base";
import { DeliveryList, DeliveryRetried, WebhookSecret } from "./schemas";

const workspaceParam = uuidParam("workspace_id");

export const listDeliveries = adminRoute({
  operationId: "listDeliveries",
  summary: "List a workspace's outbound webhooks",
  method: "get",
  path: "/workspaces/{workspace_id}/webhook-deliveries",
  description: "The workspace's outbound webhooks, newest first (at most 100), with their delivery state.",
  request: { params: workspaceParam },
  responses: { 200: jsonContent(DeliveryList, "Deliveries"), ...adminErrors },
});

export const retryDelivery = adminRoute({
  operationId: "retryDelivery",
  summary: "Retry an outbound webhook now",
  method: "post",
  path: "/workspaces/{workspace_id}/webhook-deliveries/{delivery_id}/retry",
  description:
    "Sends an undelivered merchant webhook again now. A `failed` one goes back to `pending` with a new round " +
    "of retries; receivers deduplicate on its unchanged webhook-id.",
  request: {
    params: workspaceParam.extend({
      delivery_id: idParam("delivery_id", { maxLength: 100 }),
    }),
  },
  responses: {
    202: jsonContent(DeliveryRetried, "Queued"),
    ...adminErrors,
    409: jsonContent(AdminError, "Already delivered"),
  },
});

export const getWebhookSecret = adminRoute({
  operationId: "getWebhookSecret",
  summary: "Get a workspace's webhook signing secret",
  method: "get",
  path: "/workspaces/{workspace_id}/webhook-secret",
  description:
    "The Standard Webhooks secret (`whsec_…`) signing this workspace's outbound webhooks, made on first use. " +
    "Merchants verify `webhook-signature` with it.",
  request: { params: workspaceParam },
  responses: { 200: jsonContent(WebhookSecret, "The secret"), ...adminErrors },
});
