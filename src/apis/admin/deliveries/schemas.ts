// Answers of the deliveries resource (a merchant workspace's outbound webhooks).
import { z } from "@hono/zod-openapi";
import { DELIVERY_STATUSES } from "../../../db/schema";

export const Delivery = z
  .object({
    id: z.string().openapi({ example: "msg_2Vb..." }),
    url: z.string(),
    event_type: z.string().openapi({ example: "payment.status_changed" }),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    created_at: z.string(),
    next_attempt_at: z.string().nullable().openapi({
      description: "When the queue retries a pending delivery that failed an attempt (null otherwise)",
    }),
  })
  .openapi("WebhookDelivery");

export const DeliveryList = z.object({ deliveries: z.array(Delivery) });

export const DeliveryRetried = z
  .object({ id: z.string(), status: z.literal("pending") })
  .openapi("WebhookDeliveryRetried");

export const WebhookSecret = z.object({ secret: z.string() }).openapi("WebhookSecret");
