// The overview's answer.
import { z } from "@hono/zod-openapi";
import { DELIVERY_STATUSES } from "../../../db/schema";

export const Overview = z
  .object({
    workspaces: z.number().int(),
    accounts: z.number().int(),
    entries_today: z.number().int().openapi({ description: "Ledger rows posted since 00:00 UTC" }),
    failing_deliveries: z.array(
      z.object({
        id: z.string(),
        workspace_id: z.string(),
        workspace_name: z.string(),
        url: z.string(),
        event_type: z.string(),
        status: z.enum(DELIVERY_STATUSES),
        attempts: z.number().int(),
        last_error: z.string(),
        last_attempt_at: z.string().nullable(),
      }),
    ),
  })
  .openapi("AdminOverview");
