// Bodies and answers of the gateway resource (the SMS gateway's state in KV).
import { z } from "@hono/zod-openapi";
import { GATEWAY_STATUSES } from "../../../edge/kv-state";

export const PutGatewayStatus = z
  .object({ status: z.enum(GATEWAY_STATUSES), reason: z.string().max(500).optional() })
  .strict();
export const GatewayStatusBody = z
  .object({
    status: z.enum(GATEWAY_STATUSES),
    updated_at: z.string().openapi({ description: "When the status last changed" }),
    reason: z.string().optional(),
    source: z.enum(["monitor", "admin"]).optional(),
    checked_at: z.string().optional().openapi({ description: "When the monitor last confirmed it" }),
  })
  .openapi("GatewayStatus");
export const EffectiveGatewayStatusBody = GatewayStatusBody.extend({
  effective_status: z.enum(GATEWAY_STATUSES).openapi({ description: "What the APIs answer from" }),
  unknown: z.boolean().openapi({ description: "The monitor has not confirmed its state in time" }),
}).openapi("EffectiveGatewayStatus");
